/**
 * The per-request Flux index of a cluster Destination (opt-in per destination):
 *
 *   <dest.path>/flux/kustomization.yaml          lists every file below, `namespace: <flux namespace>`
 *   <dest.path>/flux/<kustomization name>.yaml   one `kustomize.toolkit.fluxcd.io/v1` Kustomization per
 *                                                request, path `<dest.path>/resources/<ns>/<promise>/<name>`
 *
 * Flux's `<dest>-resources` Kustomization applies `<dest.path>/flux`, so every request is reconciled by
 * its own Kustomization: a request whose manifests the API server rejects fails alone (with Flux's
 * message in that Kustomization's status) while the destination's other requests keep being applied, and
 * removing a request's directory prunes its Kustomization and, through Flux's finalizer, its objects.
 *
 * With `url` (isolated revisions), each request's file also holds its own GitRepository, which follows
 * the request's scope branch (scope-refs.ts: moved only by commits that change the request's directory)
 * with a sparse checkout of that directory. Flux's kustomize-controller reconciles every Kustomization of
 * a source on each new revision of that source, whatever path changed; so with one shared source every
 * commit made every request's Kustomization rebuild and dry-run, and with a source per request a commit
 * costs the controllers only what it changed.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { scopeBranch, type RequestDir } from "./scope-refs";

export { requestDirOf, type RequestDir } from "./scope-refs";

export const FLUX_INDEX_DIR = "flux";
/**
 * The platform's own account on a destination (Flux's kustomize-controller): the destination's
 * `-dependencies` and `-resources` Kustomizations and requests of unrestricted (`"*"`) teams run as it.
 */
export const PLATFORM_RECONCILER = "kustomize-controller";

/** The ServiceAccount (in the Flux namespace) a team's requests are applied as: `plinth-team-<team>`. */
export function teamServiceAccountName(team: string): string {
  return `plinth-team-${team}`;
}
/** The GitRepository every per-request Kustomization reads (FluxBootstrap's default source name). */
export const FLUX_INDEX_SOURCE = "plinth-state-store";

export interface FluxIndexOptions {
  /** Namespace of Flux's objects on the destination (`flux-system`). */
  namespace: string;
  /** The destination's name (prefixes Kustomization names, as FluxBootstrap's do). */
  destination: string;
  /**
   * The URL Flux clones the State Store from. Set: every request gets its own GitRepository on its scope
   * branch (isolated revisions); unset: every request's Kustomization reads the shared `plinth-state-store`.
   */
  url?: string;
  /** Secret (in the Flux namespace) with the clone credentials (default `plinth-state-store-auth`). */
  secretName?: string;
  /** Flux settings of each request's Kustomization and GitRepository (defaults: 10m, 5s, unset). */
  interval?: string;
  retryInterval?: string;
  timeout?: string;
  /** Secret with the destination's age key: each request's Kustomization decrypts SOPS with it. */
  sopsSecret?: string;
}

/** A request's health checks (Promise `healthChecks`): its Kustomization waits for kstatus. */
export interface HealthChecks {
  /** The Kustomization's `timeout` (how long Flux waits); default the destination's `requestTimeout`. */
  timeout?: string;
}

/**
 * Name of a request's Kustomization on its destination: `<dest>-<ns>-<promise>-<name>`, or when that
 * exceeds 63 characters (Flux labels applied objects with it) a prefix of it plus a hash of the whole.
 */
export function requestKustomizationName(destination: string, r: Pick<RequestDir, "namespace" | "promise" | "name">): string {
  const full = `${destination}-${r.namespace}-${r.promise}-${r.name}`;
  if (full.length <= 63) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 10);
  return `${full.slice(0, 52).replace(/-+$/, "")}-${hash}`;
}

/**
 * The Kustomization object (YAML) that reconciles one request's directory, as `serviceAccountName` (its
 * team's account; without one, kustomize-controller's locked-down `--default-service-account`), decrypting
 * SOPS-encrypted Secrets with the `sopsSecret` age key when the destination has one.
 */
export function requestKustomization(r: RequestDir, o: { basePath: string; destination: string; serviceAccountName?: string; health?: HealthChecks; flux?: FluxIndexOptions }): string {
  const path = ["", ...o.basePath.split("/"), ...r.destinationPath.split("/"), "resources", r.namespace, r.promise, r.name].filter((p, i) => i === 0 || p).join("/");
  const name = requestKustomizationName(o.destination, r);
  const labels = {
    "app.kubernetes.io/managed-by": "plinth",
    "plinth.dev/request-namespace": r.namespace,
    "plinth.dev/promise": r.promise,
    "plinth.dev/request-name": r.name,
  };
  const f = o.flux;
  const source = f?.url
    ? stringify({
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name, labels },
        spec: {
          url: f.url,
          ref: { branch: scopeBranch(o.basePath, `${r.destinationPath}/resources/${r.namespace}/${r.promise}/${r.name}`) },
          interval: f.interval ?? "10m",
          secretRef: { name: f.secretName ?? `${FLUX_INDEX_SOURCE}-auth` },
          sparseCheckout: [path.slice(1)],
        },
      }) + "---\n"
    : "";
  return source + stringify({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name, labels },
    spec: {
      interval: f?.interval ?? "10m",
      retryInterval: f?.retryInterval ?? "5s",
      ...(o.health?.timeout || f?.timeout ? { timeout: o.health?.timeout ?? f?.timeout } : {}),
      ...(o.health ? { wait: true } : {}),
      sourceRef: { kind: "GitRepository", name: f?.url ? name : FLUX_INDEX_SOURCE },
      path: `.${path}`,
      prune: true,
      ...(f?.sopsSecret ? { decryption: { provider: "sops", secretRef: { name: f.sopsSecret } } } : {}),
      // Isolated: the shard that creates this Kustomization waits for the dependencies instead. kustomize-
      // controller enqueues a Kustomization's dependencies with it on each new revision of its source
      // (`sortAndEnqueue`), so a dependsOn here re-applied `<dest>-dependencies` on every request change.
      ...(f?.url ? {} : { dependsOn: [{ name: dependenciesKustomizationName(o.destination) }] }),
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
    },
  });
}

/**
 * Isolated indexes are sharded: a request's entry lives in `<dest>/flux/shards/<k>/` (k from a hash of
 * the request), each shard applied by its own Kustomization `<dest>-flux-<k>` on its own scope branch,
 * and `<dest>/flux/` itself lists only the shards. Adding or removing a request then re-applies one
 * shard (about 2·N/32 objects), not the whole index (2·N objects: measured 45–57 s at N = 200 on a loaded
 * 2-core machine).
 */
export const FLUX_INDEX_SHARDS = 32;

/** The shard (`00`…`31`) of a request's entry. */
export function fluxShardOf(r: Pick<RequestDir, "namespace" | "promise" | "name">): string {
  const h = parseInt(createHash("sha256").update(`${r.namespace}/${r.promise}/${r.name}`).digest("hex").slice(0, 8), 16);
  return String(h % FLUX_INDEX_SHARDS).padStart(2, "0");
}

export const fluxShards = (): string[] => Array.from({ length: FLUX_INDEX_SHARDS }, (_, i) => String(i).padStart(2, "0"));

/** `<dest>/flux/shards/<k>` */
export function fluxShardDir(destinationPath: string, shard: string): string {
  return `${destinationPath}/${FLUX_INDEX_DIR}/shards/${shard}`;
}

/** The GitRepository + Kustomization (applied as the platform) of one shard of an isolated index. */
export function shardKustomization(o: { basePath: string; destinationPath: string; flux: FluxIndexOptions; shard: string }): string {
  const name = `${o.flux.destination}-flux-${o.shard}`;
  const dir = [...o.basePath.split("/"), ...fluxShardDir(o.destinationPath, o.shard).split("/")].filter((p) => p).join("/");
  const labels = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/flux-shard": o.shard };
  return (
    stringify({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name, labels },
      spec: {
        url: o.flux.url,
        ref: { branch: scopeBranch(o.basePath, fluxShardDir(o.destinationPath, o.shard)) },
        interval: o.flux.interval ?? "10m",
        secretRef: { name: o.flux.secretName ?? `${FLUX_INDEX_SOURCE}-auth` },
        sparseCheckout: [dir],
      },
    }) +
    "---\n" +
    stringify({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name, labels },
      spec: {
        interval: o.flux.interval ?? "10m",
        retryInterval: "5s",
        sourceRef: { kind: "GitRepository", name },
        path: `./${dir}`,
        prune: true,
        serviceAccountName: PLATFORM_RECONCILER,
        // Requests' Kustomizations exist only once the destination's dependencies are applied (Kratix order).
        dependsOn: [{ name: dependenciesKustomizationName(o.flux.destination) }],
      },
    })
  );
}

/** The health checks of a request Kustomization written by `requestKustomization` (undefined: none). */
export function healthChecksOf(kustomization: string | undefined, flux?: FluxIndexOptions): HealthChecks | undefined {
  if (kustomization === undefined || !/^ {2}wait: true$/m.test(kustomization)) return undefined;
  const timeout = /^ {2}timeout: (\S+)$/m.exec(kustomization)?.[1];
  return timeout && timeout !== flux?.timeout ? { timeout } : {};
}

/** The `serviceAccountName` of a request Kustomization written by `requestKustomization`. */
export function serviceAccountOf(kustomization: string | undefined): string | undefined {
  return kustomization === undefined ? undefined : /^ {2}serviceAccountName: (\S+)$/m.exec(kustomization)?.[1];
}

/**
 * `kustomization.yaml` of the flux directory: its files, all put in the Flux namespace and labelled with
 * the destination (so `kubectl get kustomizations -l plinth.dev/destination=dev` lists a destination's).
 */
export function fluxIndexKustomization(o: FluxIndexOptions, files: readonly string[]): string {
  const resources = files.length ? `resources:\n${[...files].sort().map((f) => `  - ${JSON.stringify(f)}\n`).join("")}` : "resources: []\n";
  // The options the entries were built with, so a later write rebuilds an entry the same way.
  const extra = o.url || o.secretName || o.interval || o.retryInterval || o.timeout || o.sopsSecret ? `${OPTIONS_COMMENT}${JSON.stringify(o)}\n` : "";
  return `${extra}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: ${o.namespace}\nlabels:\n  - pairs:\n      plinth.dev/destination: ${o.destination}\n${resources}`;
}

const OPTIONS_COMMENT = "# plinth-flux-index: ";

/** The options recorded in a flux directory's kustomization.yaml (undefined when it is not one). */
export function fluxIndexOptions(kustomization: string): FluxIndexOptions | undefined {
  const line = kustomization.split("\n").find((l) => l.startsWith(OPTIONS_COMMENT));
  if (line) {
    try {
      const o = JSON.parse(line.slice(OPTIONS_COMMENT.length)) as FluxIndexOptions;
      if (typeof o.namespace === "string" && typeof o.destination === "string") return o;
    } catch {
      /* fall back to the plain fields */
    }
  }
  const namespace = /^namespace: (\S+)$/m.exec(kustomization)?.[1];
  const destination = /^ +plinth\.dev\/destination: (\S+)$/m.exec(kustomization)?.[1];
  // Written before the options line existed (only a SOPS secret recorded).
  const sopsSecret = /^# plinth\.dev\/sops-secret: (\S+)$/m.exec(kustomization)?.[1];
  if (!namespace || !destination) return undefined;
  return sopsSecret ? { namespace, destination, sopsSecret } : { namespace, destination };
}

/** Name of the destination's dependencies Kustomization (FluxBootstrap's `<dest>-dependencies`). */
export function dependenciesKustomizationName(destination: string): string {
  return `${destination}-dependencies`;
}
