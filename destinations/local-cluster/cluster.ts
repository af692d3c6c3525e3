/**
 * A real local Kubernetes control plane (etcd + kube-apiserver) and Flux's source- and
 * kustomize-controllers, run as child processes on 127.0.0.1 with random ports.
 *
 * There is no controller-manager and no node: objects are stored and served, RBAC is enforced, Flux
 * reconciles; nothing schedules pods, namespaces are not finalized on delete and ownerReference garbage
 * collection does not run.
 *
 *   const c = await LocalCluster.start({ binaries: clusterBinaryResolver(root), dir: ".plinth/cluster/dev", log: console.error });
 *   await c.client.create(...);          // admin (system:masters)
 *   await c.startFlux();                 // after Flux's CRDs and RBAC exist
 *   await c.stop();
 */
import { randomBytes, randomUUID, generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { HTTP_STATUS, PlinthError } from "../../components/errors";
import { KUSTOMIZE_LOCKDOWN_ARGS } from "../../components/flux/tenancy";
import { ChildGroup, httpGet } from "./processes";
import { KubeClient } from "./kube-client";
import { buildKubeconfig } from "./kubeconfig";
import { freePorts, isPortFree } from "./ports";

export const FLUX_CONTROLLERS = ["source-controller", "kustomize-controller"] as const;
export type FluxController = (typeof FLUX_CONTROLLERS)[number];
/** Namespace of the Flux controllers' service-account identities in the token file. */
export const FLUX_IDENTITY_NAMESPACE = "flux-system";
export const ADMIN_USER = "plinth-admin";

/**
 * Paths of the named cluster binaries (etcd, kube-apiserver, the Flux controllers), built or fetched as
 * needed. The toolchain is passed in (tools/cluster `clusterBinaryResolver`): destinations import no tools.
 */
export type ClusterBinaryResolver = (names: readonly string[], log: (line: string) => void) => Promise<Record<string, string>>;

export interface LocalClusterOptions {
  /** Resolves the binaries to run. */
  binaries: ClusterBinaryResolver;
  /** Working directory: etcd data, certs, logs/<proc>.log, kubeconfigs, tokens. Reused across starts. */
  dir: string;
  /** Cluster/context name, default "plinth-local". */
  name?: string;
  /** Progress lines, e.g. "cluster dev: etcd ready in 1.2 s". */
  log?: (line: string) => void;
  /** Aborting it stops the cluster (during start: the start rejects and everything started is stopped). */
  signal?: AbortSignal;
}

interface Token {
  user: string;
  groups: string[];
  token: string;
}

function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** The user name of a Flux controller's service account, as the API server's RBAC sees it. */
export function fluxControllerUser(controller: FluxController): string {
  return `system:serviceaccount:${FLUX_IDENTITY_NAMESPACE}:${controller}`;
}

export class LocalCluster {
  readonly name: string;
  readonly dir: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** `<dir>/kubeconfig` (mode 0600): the admin user (group system:masters). */
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  /** PEM the API server presents (its self-signed certificate and CA). */
  readonly caPem: string;
  /** Admin client. */
  readonly client: KubeClient;
  /** Seconds each process took to become ready, by process name. */
  readonly timings: Record<string, number> = {};

  private stopping?: Promise<void>;
  private fluxStarted?: Promise<void>;
  private readonly onAbort = (): void => void this.stop();

  private constructor(
    private readonly o: LocalClusterOptions,
    private readonly group: ChildGroup,
    init: { server: string; caPem: string; kubeconfig: string; token: string },
  ) {
    this.name = o.name ?? "plinth-local";
    this.dir = path.resolve(o.dir);
    this.server = init.server;
    this.caPem = init.caPem;
    this.kubeconfig = init.kubeconfig;
    this.kubeconfigPath = path.join(this.dir, "kubeconfig");
    this.client = new KubeClient({ server: init.server, caPem: init.caPem, token: init.token });
    o.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Starts etcd then kube-apiserver; resolves when /readyz answers 200 to the admin token. */
  static async start(o: LocalClusterOptions): Promise<LocalCluster> {
    const name = o.name ?? "plinth-local";
    const dir = path.resolve(o.dir);
    const log = o.log ?? (() => undefined);
    for (const d of [dir, path.join(dir, "logs"), path.join(dir, "certs"), path.join(dir, "etcd")]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    const bins = await o.binaries(["etcd", "kube-apiserver"], log);
    const group = new ChildGroup({ logDir: path.join(dir, "logs"), prefix: `cluster ${name}`, log, signal: o.signal });
    try {
      const [etcdClient, etcdPeer, freshApiPort] = await freePorts(3);
      // A restart on the same dir keeps the API server's address (and tokens and certificate), so its
      // kubeconfig is unchanged and the platform stack sees the same cluster.
      const portFile = path.join(dir, "apiserver-port");
      const kept = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, "utf8").trim()) : NaN;
      const apiPort = Number.isInteger(kept) && kept > 0 && kept !== etcdClient && kept !== etcdPeer && (await isPortFree(kept)) ? kept : freshApiPort;
      fs.writeFileSync(portFile, `${apiPort}\n`);
      const etcdUrl = `http://127.0.0.1:${etcdClient}`;
      const peerUrl = `http://127.0.0.1:${etcdPeer}`;
      const etcd = group.spawn("etcd", bins.etcd, [
        "--name=default",
        `--data-dir=${path.join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        "--log-level=warn",
      ]);
      await group.waitReady(etcd, 60_000, async () => {
        const r = await httpGet(`${etcdUrl}/health`);
        return r.status === 200 && /"health"\s*:\s*"true"/.test(r.body);
      });

      const tokens = LocalCluster.writeTokens(dir);
      const saKey = path.join(dir, "service-account.key");
      if (!fs.existsSync(saKey)) {
        const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
        writePrivate(saKey, privateKey);
      }
      const certFile = path.join(dir, "certs", "apiserver.crt");
      const api = group.spawn("kube-apiserver", bins["kube-apiserver"], [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        // a loopback advertise address is refused by the default ("lease") endpoint reconciler; with no
        // in-cluster clients there is nothing for the kubernetes Service's endpoints to point at anyway
        "--endpoint-reconciler-type=none",
        `--secure-port=${apiPort}`,
        `--cert-dir=${path.join(dir, "certs")}`,
        `--token-auth-file=${path.join(dir, "tokens.csv")}`,
        "--authorization-mode=RBAC",
        "--anonymous-auth=false",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${saKey}`,
        `--service-account-signing-key-file=${saKey}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--profiling=false",
      ]);
      const server = `https://127.0.0.1:${apiPort}`;
      const admin = tokens.find((t) => t.user === ADMIN_USER)!.token;
      await group.waitReady(api, 120_000, async () => {
        if (!fs.existsSync(certFile) || fs.statSync(certFile).size === 0) return false;
        const r = await httpGet(`${server}/readyz`, { caPem: fs.readFileSync(certFile, "utf8"), token: admin });
        return r.status === 200;
      });
      const caPem = fs.readFileSync(certFile, "utf8");
      const kubeconfig = buildKubeconfig({ server, caPem, token: admin, user: ADMIN_USER, cluster: name, context: name });
      writePrivate(path.join(dir, "kubeconfig"), kubeconfig);
      for (const c of FLUX_CONTROLLERS) {
        const token = tokens.find((t) => t.user === fluxControllerUser(c))!.token;
        writePrivate(path.join(dir, `${c}.kubeconfig`), buildKubeconfig({ server, caPem, token, user: c, cluster: name, context: `${name}-${c}`, namespace: FLUX_IDENTITY_NAMESPACE }));
      }
      const cluster = new LocalCluster(o, group, { server, caPem, kubeconfig, token: admin });
      Object.assign(cluster.timings, group.timings);
      return cluster;
    } catch (err) {
      await group.stopAll();
      throw err;
    }
  }

  /** Fresh random tokens on every start (the API server reads the file once): admin + one per Flux controller. */
  private static writeTokens(dir: string): Token[] {
    const file = path.join(dir, "tokens.csv");
    if (fs.existsSync(file)) {
      const kept = fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const m = /^([^,]+),([^,]+),[^,]+,"([^"]*)"$/.exec(line);
          return m ? { token: m[1], user: m[2], groups: m[3].split(",") } : undefined;
        });
      const users = [ADMIN_USER, ...FLUX_CONTROLLERS.map(fluxControllerUser)];
      if (kept.every((t) => t) && users.every((u) => kept.some((t) => t!.user === u))) return kept as Token[];
    }
    const saGroups = ["system:serviceaccounts", `system:serviceaccounts:${FLUX_IDENTITY_NAMESPACE}`];
    const tokens: Token[] = [
      { user: ADMIN_USER, groups: ["system:masters"], token: randomBytes(32).toString("base64url") },
      ...FLUX_CONTROLLERS.map((c) => ({ user: fluxControllerUser(c), groups: saGroups, token: randomBytes(32).toString("base64url") })),
    ];
    writePrivate(path.join(dir, "tokens.csv"), tokens.map((t) => `${t.token},${t.user},${randomUUID()},"${t.groups.join(",")}"\n`).join(""));
    return tokens;
  }

  /** `<dir>/<controller>.kubeconfig` (mode 0600): the controller's own token (its service-account user). */
  kubeconfigPathFor(controller: FluxController): string {
    return path.join(this.dir, `${controller}.kubeconfig`);
  }

  /**
   * Runs source-controller and kustomize-controller as local processes (started in that order, both
   * awaited). Call after Flux's CRDs and the RBAC binding their users exist. Resolves when both
   * report ready on /readyz. A second call returns the first call's promise.
   */
  startFlux(o: { namespace?: string; concurrency?: { source?: number; kustomize?: number } } = {}): Promise<void> {
    if (this.stopping) return Promise.reject(new PlinthError("ClusterStopped", `cluster ${this.name} is stopped; start a new one`, undefined, HTTP_STATUS.conflict));
    this.fluxStarted ??= this.runFlux(o.namespace ?? FLUX_IDENTITY_NAMESPACE, o.concurrency ?? {});
    return this.fluxStarted;
  }

  private async runFlux(namespace: string, concurrency: { source?: number; kustomize?: number }): Promise<void> {
    const bins = await this.o.binaries(FLUX_CONTROLLERS, this.o.log ?? (() => undefined));
    const storage = path.join(this.dir, "source-storage");
    fs.mkdirSync(storage, { recursive: true, mode: 0o700 });
    const [srcMetrics, srcHealth, srcStorage, kusMetrics, kusHealth] = await freePorts(5);
    const common = ["--watch-all-namespaces=true", "--enable-leader-election=false", "--events-addr=", "--log-encoding=json"];
    const env = (c: FluxController): Record<string, string> => ({ KUBECONFIG: this.kubeconfigPathFor(c), RUNTIME_NAMESPACE: namespace });
    const src = this.group.spawn(
      "source-controller",
      bins["source-controller"],
      [...common, ...(concurrency.source ? [`--concurrent=${concurrency.source}`] : []), `--metrics-addr=127.0.0.1:${srcMetrics}`, `--health-addr=127.0.0.1:${srcHealth}`, `--storage-path=${storage}`, `--storage-addr=127.0.0.1:${srcStorage}`, `--storage-adv-addr=127.0.0.1:${srcStorage}`],
      env("source-controller"),
    );
    const kus = this.group.spawn(
      "kustomize-controller",
      bins["kustomize-controller"],
      [...common, ...KUSTOMIZE_LOCKDOWN_ARGS, ...(concurrency.kustomize ? [`--concurrent=${concurrency.kustomize}`] : []), `--metrics-addr=127.0.0.1:${kusMetrics}`, `--health-addr=127.0.0.1:${kusHealth}`, "--requeue-dependency=500ms"],
      env("kustomize-controller"),
    );
    const started = Date.now();
    await Promise.all([
      this.group.waitReady(src, 120_000, async () => (await httpGet(`http://127.0.0.1:${srcHealth}/readyz`)).status === 200),
      this.group.waitReady(kus, 120_000, async () => (await httpGet(`http://127.0.0.1:${kusHealth}/readyz`)).status === 200),
    ]);
    Object.assign(this.timings, this.group.timings, { flux: (Date.now() - started) / 1000 });
  }

  /** Pids of the children still running. */
  /** Pid of a running process of the cluster (`etcd`, `kube-apiserver`, a Flux controller). */
  pidOf(name: "etcd" | "kube-apiserver" | FluxController): number | undefined {
    return this.group.pidOf(name);
  }

  pids(): number[] {
    return this.group.pids();
  }

  /** Stops every child in reverse start order (SIGTERM, SIGKILL after 10 s) and waits for each exit. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.o.signal?.removeEventListener("abort", this.onAbort);
      this.client.close();
      await this.group.stopAll();
    })();
    return this.stopping;
  }
}
