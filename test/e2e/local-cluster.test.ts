/**
 * e2e: a real etcd + kube-apiserver + Flux source/kustomize-controllers on loopback (LocalCluster), fed
 * from a real `git http-backend` repository. Needs the cluster binaries and Flux CRDs in the cache
 * (tools/cluster builds them once, minutes cold; seconds when cached).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { LocalCluster, fluxControllerUser } from "../../destinations/local-cluster/cluster";
import { KubeClient, KubeError } from "../../destinations/local-cluster/kube-client";
import { parseKubeconfig } from "../../destinations/local-cluster/kubeconfig";
import { ValidationError } from "../../components/errors";
import { loadCrdDir } from "../../components/flux/crd-validate";
import { cleanGitEnv } from "../../components/state-store/bare-repo";
import { ensureFluxCrds } from "../../tools/cluster/flux-crds";
import { clusterBinaryResolver } from "../../tools/cluster";
import { startGitServer, type GitServer } from "../support/git-server";

const run = promisify(execFile);
const root = process.env.PLINTH_ROOT ?? path.resolve(__dirname, "..", "..");
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Gone, or a zombie waiting for a reaper (an orphan in a container whose pid 1 does not reap): not running. */
function notRunning(pid: number): boolean {
  if (isGone(pid)) return true;
  try {
    return /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

const ready = (obj: Record<string, any> | undefined): boolean =>
  !!obj?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True");

/** Commits `files` (path → text, null deletes) on `main` and pushes over smart HTTP with basic auth. */
async function pushFiles(git: GitServer, url: string, work: string, files: Record<string, string | null>): Promise<void> {
  const env = cleanGitEnv();
  const g = (...args: string[]) =>
    run("git", ["-c", "user.name=plinth-test", "-c", "user.email=test@plinth.invalid", "-c", `http.extraHeader=Authorization: Basic ${Buffer.from(`${git.username}:${git.password}`).toString("base64")}`, ...args], { cwd: work, env });
  if (!fs.existsSync(path.join(work, ".git"))) {
    fs.mkdirSync(work, { recursive: true });
    await g("init", "--quiet", "--initial-branch=main");
  }
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(work, rel);
    if (text === null) fs.rmSync(file);
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }
  await g("add", "-A");
  await g("commit", "--quiet", "-m", "test change");
  await g("push", "--quiet", url, "HEAD:main");
}

describe("LocalCluster (etcd + kube-apiserver + Flux on loopback)", () => {
  let tmp: string;
  let cluster: LocalCluster | undefined;
  let git: GitServer | undefined;
  let startSeconds = 0;

  before(
    async () => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-cluster-"));
      const t0 = Date.now();
      cluster = await LocalCluster.start({ binaries: clusterBinaryResolver(root), dir: path.join(tmp, "cluster"), name: "e2e", log });
      startSeconds = (Date.now() - t0) / 1000;
      log(`LocalCluster.start resolved in ${startSeconds.toFixed(1)} s (apiserver ready ${cluster.timings["kube-apiserver"]?.toFixed(1)} s after spawn)`);
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      await cluster?.stop();
      await git?.stop();
      if (tmp && !process.env.PLINTH_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );

  test("serves /version v1.37.2 over TLS with the self-signed CA, and writes a 0600 kubeconfig", async () => {
    const c = cluster!;
    assert.match(c.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    const v = await c.client.get<{ gitVersion: string }>("/version");
    assert.equal(v?.gitVersion, "v1.37.2");
    assert.equal(fs.statSync(c.kubeconfigPath).mode & 0o777, 0o600);
    assert.equal(fs.readFileSync(c.kubeconfigPath, "utf8"), c.kubeconfig);
    assert.equal(fs.statSync(path.join(c.dir, "tokens.csv")).mode & 0o777, 0o600);
    const parsed = parseKubeconfig(c.kubeconfig);
    assert.equal(parsed.server, c.server);
    assert.equal(parsed.caPem, c.caPem);
    assert.throws(() => parseKubeconfig(c.kubeconfig.replace(/token: .*/, "username: someone")), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.issues[0].path, ["users", "plinth-admin", "token"]);
      return true;
    });
    assert.equal(c.pids().length, 2);
  });

  test("creates a ConfigMap through KubeClient and reads it back; 404 is undefined; a duplicate is KubeAlreadyExists", async () => {
    const kube = cluster!.client;
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "roundtrip", namespace: "default" }, data: { hello: "world" } };
    const created = await kube.create<{ metadata: { uid: string } }>("/api/v1/namespaces/default/configmaps", cm);
    assert.ok(created.metadata.uid);
    const back = await kube.get<{ data: Record<string, string> }>("/api/v1/namespaces/default/configmaps/roundtrip");
    assert.deepEqual(back?.data, { hello: "world" });
    await kube.mergePatch("/api/v1/namespaces/default/configmaps/roundtrip", { data: { extra: "1" } });
    const names = (await kube.list<{ metadata: { name: string }; data: Record<string, string> }>("/api/v1/namespaces/default/configmaps")).filter((x) => x.metadata.name === "roundtrip");
    assert.deepEqual(names[0]?.data, { hello: "world", extra: "1" });
    assert.equal(await kube.get("/api/v1/namespaces/default/configmaps/missing"), undefined);
    await assert.rejects(kube.create("/api/v1/namespaces/default/configmaps", cm), (err: unknown) => {
      assert.ok(err instanceof KubeError);
      assert.equal(err.status, 409);
      assert.equal(err.code, "KubeAlreadyExists");
      assert.match(err.message, /roundtrip/);
      return true;
    });
  });

  test("a wrong token gets 401 as a KubeError that does not echo the token", async () => {
    const bad = new KubeClient({ server: cluster!.server, caPem: cluster!.caPem, token: "not-a-real-token-123" });
    try {
      await assert.rejects(bad.get("/api/v1/namespaces"), (err: unknown) => {
        assert.ok(err instanceof KubeError);
        assert.equal(err.status, 401);
        assert.equal(err.reason, "Unauthorized");
        assert.doesNotMatch(`${err.message} ${JSON.stringify(err.toJSON())}`, /not-a-real-token/);
        return true;
      });
    } finally {
      bad.close();
    }
  });

  test("kubectl works with the written kubeconfig", async () => {
    const { stdout } = await run("kubectl", ["--kubeconfig", cluster!.kubeconfigPath, "get", "configmap", "roundtrip", "-o", "json"]);
    const cm = JSON.parse(stdout);
    assert.equal(cm.metadata.name, "roundtrip");
    assert.equal(cm.data.hello, "world");
  });

  test("RBAC is enforced: the source-controller user cannot create a ConfigMap before a binding exists", async () => {
    const kubeconfig = fs.readFileSync(cluster!.kubeconfigPathFor("source-controller"), "utf8");
    const sc = KubeClient.fromKubeconfig(kubeconfig);
    try {
      await assert.rejects(
        sc.create("/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "denied" } }),
        (err: unknown) => {
          assert.ok(err instanceof KubeError);
          assert.equal(err.status, 403);
          assert.equal(err.code, "KubeForbidden");
          assert.match(err.apiMessage, /system:serviceaccount:flux-system:source-controller/);
          return true;
        },
      );
    } finally {
      sc.close();
    }
  });

  test("Flux controllers apply a ConfigMap from a Git repository, then prune it", { timeout: 300_000 }, async () => {
    const c = cluster!;
    const kube = c.client;
    await kube.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    await kube.create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "plinth-flux-controllers" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
      subjects: ["source-controller", "kustomize-controller"].map((name) => ({ kind: "ServiceAccount", name, namespace: "flux-system" })),
    });
    const crds = loadCrdDir(await ensureFluxCrds({ root, log }));
    assert.ok(crds.length >= 4);
    for (const crd of crds) await kube.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    for (const crd of crds) {
      await kube.waitFor(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
        (o: any) => !!o?.status?.conditions?.some((x: { type: string; status: string }) => x.type === "Established" && x.status === "True"),
        { timeoutMs: 30_000 },
      );
    }

    const t0 = Date.now();
    await c.startFlux();
    const fluxSeconds = (Date.now() - t0) / 1000;
    assert.equal(c.pids().length, 4);
    // the controllers' identities now really are authorized through the ServiceAccount subjects
    const sc = KubeClient.fromKubeconfig(fs.readFileSync(c.kubeconfigPathFor("source-controller"), "utf8"));
    assert.ok(Array.isArray(await sc.list("/apis/source.toolkit.fluxcd.io/v1/gitrepositories")));
    sc.close();
    assert.equal(fluxControllerUser("kustomize-controller"), "system:serviceaccount:flux-system:kustomize-controller");

    git = await startGitServer();
    const url = await git.createRepo("fleet");
    const work = path.join(tmp, "fleet-work");
    const cmYaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n  namespace: default\ndata:\n  source: flux\n";
    const keepYaml = cmYaml.replace("from-git", "stays");
    await pushFiles(git, url, work, { "apps/cm.yaml": cmYaml, "apps/keep.yaml": keepYaml });

    await kube.create("/api/v1/namespaces/flux-system/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "fleet-auth", namespace: "flux-system" },
      type: "Opaque",
      stringData: { username: git.username, password: git.password },
    });
    const tRepo = Date.now();
    await kube.create("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories", {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "fleet", namespace: "flux-system" },
      spec: { url, interval: "1m", ref: { branch: "main" }, secretRef: { name: "fleet-auth" } },
    });
    let readyWithoutArtifact: unknown;
    const repo = await kube.waitFor<any>(
      "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/fleet",
      (o) => {
        if (ready(o) && !o?.status?.artifact) readyWithoutArtifact ??= o?.status;
        return ready(o) && !!o?.status?.artifact?.url;
      },
      { timeoutMs: 60_000 },
    );
    if (readyWithoutArtifact) log(`observed: GitRepository Ready=True before status.artifact was set: ${JSON.stringify(readyWithoutArtifact)}`);
    const repoSeconds = (Date.now() - tRepo) / 1000;
    assert.match(repo.status.artifact.url, /^http:\/\/127\.0\.0\.1:\d+\//);

    const tKs = Date.now();
    await kube.create("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations", {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "apps", namespace: "flux-system" },
      // kustomize-controller runs locked down (--default-service-account=default, bound to nothing):
      // a Kustomization applies only as an account it names.
      spec: { interval: "1m", path: "./apps", prune: true, sourceRef: { kind: "GitRepository", name: "fleet" }, serviceAccountName: "kustomize-controller" },
    });
    const cm = await kube.waitFor<any>("/api/v1/namespaces/default/configmaps/from-git", (o) => o !== undefined, { timeoutMs: 60_000, intervalMs: 100 });
    const ksSeconds = (Date.now() - tKs) / 1000;
    assert.equal(cm.data.source, "flux");
    assert.equal(cm.metadata.labels["kustomize.toolkit.fluxcd.io/name"], "apps");
    await kube.waitFor("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps", ready, { timeoutMs: 30_000 });

    const rss = Object.fromEntries(c.pids().map((pid, i) => [["etcd", "kube-apiserver", "source-controller", "kustomize-controller"][i], Math.round(rssKb(pid) / 1024)]));
    log(
      `numbers: apiserver ready ${c.timings["kube-apiserver"]?.toFixed(1)} s after spawn (start() ${startSeconds.toFixed(1)} s); ` +
        `flux ready ${fluxSeconds.toFixed(1)} s; GitRepository Ready ${repoSeconds.toFixed(1)} s; Kustomization → ConfigMap ${ksSeconds.toFixed(1)} s; ` +
        `RSS MiB ${JSON.stringify(rss)} total ${Object.values(rss).reduce((a, b) => a + b, 0)}`,
    );

    // prune: remove one file (the path must stay non-empty or the Kustomization fails with "path not
    // found" and prunes nothing), ask both objects to reconcile now instead of waiting for the 1m interval
    await pushFiles(git, url, work, { "apps/cm.yaml": null });
    const tPrune = Date.now();
    const requestedAt = new Date().toISOString();
    const annotate = { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": requestedAt } } };
    await kube.mergePatch("/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/fleet", annotate);
    await kube.waitFor<any>(
      "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/fleet",
      (o) => o?.status?.lastHandledReconcileAt === requestedAt && o.status.artifact?.revision !== repo.status.artifact.revision,
      { timeoutMs: 60_000 },
    );
    await kube.mergePatch("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps", annotate);
    await kube.waitFor("/api/v1/namespaces/default/configmaps/from-git", (o) => o === undefined, { timeoutMs: 60_000, intervalMs: 100 });
    assert.ok(await kube.get("/api/v1/namespaces/default/configmaps/stays"));
    log(`numbers: prune after push ${((Date.now() - tPrune) / 1000).toFixed(1)} s`);
  });

  test("stop() ends every child (reverse order) and is idempotent", { timeout: 60_000 }, async () => {
    const c = cluster!;
    const pids = c.pids();
    assert.equal(pids.length, 4);
    const t0 = Date.now();
    await Promise.all([c.stop(), c.stop()]);
    log(`numbers: stop ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.deepEqual(c.pids(), []);
    for (const pid of pids) assert.ok(isGone(pid), `pid ${pid} is still running`);
    await c.stop();
    await assert.rejects(c.startFlux(), /stopped/);
  });

  test("a crashed parent leaves no child running (process exit hook)", { timeout: 180_000 }, async () => {
    const script = path.join(tmp, "crash.ts");
    fs.writeFileSync(
      script,
      `import { LocalCluster } from ${JSON.stringify(path.join(root, "destinations", "local-cluster", "cluster"))};
import { clusterBinaryResolver } from ${JSON.stringify(path.join(root, "tools", "cluster"))};
LocalCluster.start({ binaries: clusterBinaryResolver(${JSON.stringify(root)}), dir: ${JSON.stringify(path.join(tmp, "crash"))} }).then((c) => {
  process.stdout.write(JSON.stringify(c.pids()) + "\\n");
  throw new Error("simulated crash");
});
`,
    );
    const res = await run(process.execPath, ["--import", "tsx", script], { cwd: root }).then(
      () => assert.fail("the crash script exited 0"),
      (err: { code?: number; stdout?: string; stderr?: string }) => err,
    );
    assert.match(String(res.stderr), /simulated crash/);
    const pids = JSON.parse(String(res.stdout).trim()) as number[];
    assert.equal(pids.length, 2);
    for (const pid of pids) {
      const deadline = Date.now() + 5000;
      while (!notRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(notRunning(pid), `pid ${pid} survived its parent`);
    }
  });

  test("aborting the signal during start rejects and stops what already started", { timeout: 120_000 }, async () => {
    const ac = new AbortController();
    let etcdPid = 0;
    const lines: string[] = [];
    const started = LocalCluster.start({
      binaries: clusterBinaryResolver(root),
      dir: path.join(tmp, "aborted"),
      name: "aborted",
      signal: ac.signal,
      log: (line) => {
        lines.push(line);
        const m = /etcd ready in .* \(pid (\d+)\)/.exec(line);
        if (m) {
          etcdPid = Number(m[1]);
          ac.abort();
        }
      },
    });
    await assert.rejects(started, (err: unknown) => {
      assert.equal((err as { code?: string }).code, "ClusterAborted");
      return true;
    });
    assert.ok(etcdPid > 0, lines.join("\n"));
    assert.ok(isGone(etcdPid), `etcd pid ${etcdPid} still running`);
    assert.ok(lines.some((l) => /etcd stopped/.test(l)), lines.join("\n"));
    assert.ok(!lines.some((l) => /kube-apiserver ready/.test(l)), lines.join("\n"));
  });
});
