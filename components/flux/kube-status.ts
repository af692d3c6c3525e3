/**
 * A cluster destination's Flux through `@kubernetes/client-node`, from the kubeconfig its stack produced
 * (EKS: `aws eks get-token` exec plugin; GKE: `gke-gcloud-auth-plugin`; k3s: client certificate; local
 * clusters: a bearer token). Reads the request's Kustomization, watches the destination's Kustomizations
 * (label `plinth.dev/destination=<dest>`) so the tracker reacts to Flux at once instead of polling, and
 * asks Flux to reconcile now with a merge patch of `reconcile.fluxcd.io/requestedAt`.
 *
 * The watch is an informer in small: list (its resourceVersion), then watch from there with bookmarks;
 * a watch the server ends (`timeoutSeconds`, below client-node's 30 s idle abort) or that drops resumes from
 * the last resourceVersion seen; `410 Gone` (too old) re-lists. While it runs, reads are served from what
 * it saw (one connection per destination, not one GET per request per poll).
 *
 * client-node 2.x is an ES module: loaded lazily with `import()` (this codebase is CommonJS).
 */
import type { KubeConfig } from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { HTTP_STATUS, PlinthError } from "../errors";
import { fluxShardOf, fluxShards, requestKustomizationName } from "../state-store/flux-index";
import { kustomizationState, type ClusterStatusSource, type FluxKustomizationState, type KustomizationObject } from "./status-source";
import { FLUX_NAMESPACE } from "./sync";

type ClientNode = typeof import("@kubernetes/client-node", { with: { "resolution-mode": "import" } });
let mod: Promise<ClientNode> | undefined;
/** The client-node module (loaded once, on first use). */
export const clientNode = (): Promise<ClientNode> => (mod ??= import("@kubernetes/client-node"));

const GROUP = "kustomize.toolkit.fluxcd.io";
const VERSION = "v1";

/**
 * A KubeConfig for the current context of `kubeconfig` (YAML/JSON text or the parsed object). Bad input
 * throws `InvalidKubeconfig` without echoing the kubeconfig (it holds credentials).
 */
export async function kubeConfigOf(kubeconfig: string | object, destination: string): Promise<KubeConfig> {
  const k8s = await clientNode();
  const kc = new k8s.KubeConfig();
  const bad = (why: string) =>
    new PlinthError("InvalidKubeconfig", `destination ${destination}: the kubeconfig ${why}; pass the kubeconfig its stack produced (output kubeconfigs.${destination})`, { destination }, HTTP_STATUS.badRequest);
  try {
    kc.loadFromString(typeof kubeconfig === "string" ? kubeconfig : JSON.stringify(kubeconfig));
  } catch {
    throw bad("is not a valid kubeconfig document");
  }
  if (!kc.getCurrentCluster()) throw bad("has no current context with a cluster");
  if (!kc.getCurrentUser()) throw bad("has no user for its current context");
  return kc;
}

export interface KubeStatusSourceOptions {
  destination: string;
  /** The destination's kubeconfig (a secret: never logged). */
  kubeconfig: string | object;
  /** Flux's namespace (default flux-system). */
  namespace?: string;
  /** The State Store's GitRepository (FluxBootstrap's default `plinth-state-store`). */
  sourceName?: string;
  /**
   * Each request has its own Kustomization (the per-request flux index, flux-index.ts). False: Flux
   * applies the destination's `resources/` as a whole (`<dest>-resources`), which is then what a request's
   * `Applied` follows.
   */
  perRequest?: boolean;
  /** Isolated revisions (sync.ts `isolated`): each request, the index and the dependencies have their own source. */
  isolated?: boolean;
  /** `timeoutSeconds` of each watch call (default 25: client-node aborts a watch silent for 30 s). */
  watchTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface WatchStats {
  /** Events received (ADDED, MODIFIED, DELETED; not bookmarks). */
  events: number;
  /** Watch calls started after the first (ended by the server, dropped, or failed). */
  restarts: number;
  /** Lists made (the first and after each 410 Gone or failure to resume). */
  lists: number;
}

export interface KubeStatusSource extends ClusterStatusSource {
  watch(onChange: (name: string | undefined) => void): () => void;
  stats(): WatchStats;
  /** Ends the watch and the connections it holds. */
  close(): void;
}

type KObj = KustomizationObject;

export function kubeStatusSource(o: KubeStatusSourceOptions): KubeStatusSource {
  const ns = o.namespace ?? FLUX_NAMESPACE;
  const source = o.sourceName ?? "plinth-state-store";
  const perRequest = o.perRequest ?? true;
  const labelSelector = `plinth.dev/destination=${o.destination}`;
  const listeners = new Set<(name: string | undefined) => void>();
  const stats: WatchStats = { events: 0, restarts: 0, lists: 0 };
  /** What the watch saw, by name; valid while `synced`. */
  const cache = new Map<string, FluxKustomizationState>();
  let synced = false;
  let resourceVersion: string | undefined;
  let abort: AbortController | undefined;
  let running = false;
  let closed = false;
  let retryMs = 0;
  let timer: NodeJS.Timeout | undefined;

  let ready: Promise<{ kc: KubeConfig; k8s: ClientNode }> | undefined;
  const client = () => (ready ??= Promise.all([kubeConfigOf(o.kubeconfig, o.destination), clientNode()]).then(([kc, k8s]) => ({ kc, k8s })));
  const api = async () => {
    const { kc, k8s } = await client();
    return { k8s, custom: kc.makeApiClient(k8s.CustomObjectsApi) };
  };
  const emit = (name: string | undefined) => {
    for (const l of listeners) l(name);
  };
  const statusOf = (err: unknown): number | undefined => {
    const e = err as { code?: unknown; statusCode?: unknown } | null | undefined;
    const n = typeof e?.code === "number" ? e.code : e?.statusCode;
    return typeof n === "number" ? n : undefined;
  };

  async function list(): Promise<void> {
    const { custom } = await api();
    stats.lists++;
    const res = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: "kustomizations", labelSelector })) as { items: KObj[]; metadata?: { resourceVersion?: string } };
    cache.clear();
    for (const item of res.items) if (item.metadata?.name) cache.set(item.metadata.name, kustomizationState(item));
    resourceVersion = res.metadata?.resourceVersion;
    synced = true;
    emit(undefined);
  }

  async function watchOnce(): Promise<void> {
    if (!resourceVersion) await list();
    const { kc, k8s } = await client();
    const w = new k8s.Watch(kc);
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${ns}/kustomizations`;
    const query = { labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: o.watchTimeoutSeconds ?? 25 };
    await new Promise<void>((resolve, reject) => {
      let gone = false;
      const onEvent = (type: string, obj: KObj & { code?: number }) => {
        if (type === "ERROR") {
          if (obj.code === 410) gone = true;
          return;
        }
        if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
        if (type === "BOOKMARK") return;
        const name = obj.metadata?.name;
        if (!name) return;
        stats.events++;
        if (type === "DELETED") cache.delete(name);
        else cache.set(name, kustomizationState(obj));
        retryMs = 0;
        emit(name);
      };
      const onDone = (err: unknown) => {
        abort = undefined;
        if (gone || statusOf(err) === 410) {
          resourceVersion = undefined; // too old: list again
          return resolve();
        }
        // Ended on purpose (closed, or nobody listens any more) or by the server: resume from resourceVersion.
        if (err && !closed && listeners.size > 0) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve();
      };
      w.watch(path, query, onEvent, onDone).then(
        (c) => {
          abort = c;
          if (closed) c.abort();
          // Connected from a resourceVersion: the cache plus what this watch delivers is current.
          else if (resourceVersion) synced = true;
        },
        reject,
      );
    });
  }

  function loop(): void {
    if (running || closed || listeners.size === 0) return;
    running = true;
    watchOnce().then(
      () => {
        running = false;
        stats.restarts++;
        schedule(0);
      },
      (err: unknown) => {
        running = false;
        stats.restarts++;
        // Reads go to the API server until the watch is back; it resumes from the last resourceVersion
        // (a 410 Gone then re-lists).
        synced = false;
        retryMs = Math.min(Math.max(retryMs * 2, 250), 5000);
        o.log?.(`flux on ${o.destination}: watch of Kustomizations failed (${(err as Error).message}); again in ${retryMs} ms`);
        schedule(retryMs);
      },
    );
  }
  function schedule(ms: number): void {
    if (closed || listeners.size === 0) return;
    timer = setTimeout(loop, ms);
    timer.unref();
  }

  function stopWatch(): void {
    if (timer) clearTimeout(timer);
    abort?.abort();
    synced = false;
    resourceVersion = undefined;
  }

  const reconcileNames = (request?: { namespace: string; promise: string; name: string }): string[] => {
    if (!perRequest || !o.isolated) return [source];
    const d = o.destination;
    // For no request in particular (a bulk write): every index shard too, as the index lists only the shards.
    return [`${d}-dependencies`, ...(request ? [`${d}-flux-${fluxShardOf(request)}`, requestKustomizationName(d, request)] : [`${d}-resources`, ...fluxShards().map((k) => `${d}-flux-${k}`)])];
  };

  return {
    destination: o.destination,
    kustomizationName: (r) => (perRequest ? requestKustomizationName(o.destination, r) : `${o.destination}-resources`),
    async readKustomization(name): Promise<FluxKustomizationState | undefined> {
      if (synced && running) return cache.get(name);
      const { custom } = await api();
      try {
        return kustomizationState(await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: "kustomizations", name }));
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async requestReconcile(request): Promise<void> {
      const { k8s, custom } = await api();
      const body = { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } };
      const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
      await Promise.all(
        reconcileNames(request).map((name) =>
          custom.patchNamespacedCustomObject({ group: "source.toolkit.fluxcd.io", version: "v1", namespace: ns, plural: "gitrepositories", name, body }, merge).catch((err: unknown) => {
            // A new request's source does not exist until Flux applies the index (it fetches on creation).
            if (statusOf(err) !== 404) throw err;
          }),
        ),
      );
    },
    watch(onChange) {
      listeners.add(onChange);
      loop();
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) stopWatch();
      };
    },
    stats: () => ({ ...stats }),
    close() {
      closed = true;
      listeners.clear();
      stopWatch();
    },
  };
}
