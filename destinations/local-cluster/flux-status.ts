/**
 * A cluster destination's Flux, read through the Kubernetes API for the service's `Applied` condition:
 * the per-request Kustomization of a request (components/state-store/flux-index.ts names it) and the
 * `reconcile.fluxcd.io/requestedAt` annotation that makes Flux fetch the State Store now.
 */
import { fluxShardOf, fluxShards, requestKustomizationName } from "../../components/state-store/flux-index";
import { FLUX_NAMESPACE } from "../../components/flux/sync";
import type { ClusterStatusSource, FluxKustomizationState } from "../../components/flux/status-source";
import type { KubeClient } from "./kube-client";

export interface FluxStatusSourceOptions {
  destination: string;
  client: Pick<KubeClient, "get" | "mergePatch">;
  namespace?: string;
  /** GitRepository of the State Store (FluxBootstrap's default). */
  sourceName?: string;
  /**
   * Isolated revisions (components/flux/sync.ts `isolated`): the destination's sources are
   * `<dest>-dependencies` and `<dest>-resources`, and each request has its own (named as its Kustomization).
   */
  isolated?: boolean;
}

interface KustomizationObject {
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    lastAppliedRevision?: string;
    lastAttemptedRevision?: string;
  };
}

export function fluxStatusSource(o: FluxStatusSourceOptions): ClusterStatusSource {
  const ns = o.namespace ?? FLUX_NAMESPACE;
  const source = o.sourceName ?? "plinth-state-store";
  return {
    destination: o.destination,
    kustomizationName: (r) => requestKustomizationName(o.destination, r),
    async readKustomization(name): Promise<FluxKustomizationState | undefined> {
      const k = await o.client.get<KustomizationObject>(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations/${encodeURIComponent(name)}`);
      if (!k) return undefined;
      const ready = k.status?.conditions?.find((c) => c.type === "Ready");
      return {
        ready: ready ? { status: ready.status, reason: ready.reason ?? "", message: ready.message ?? "" } : undefined,
        lastAppliedRevision: k.status?.lastAppliedRevision,
        lastAttemptedRevision: k.status?.lastAttemptedRevision,
      };
    },
    async requestReconcile(request): Promise<void> {
      const names = o.isolated
        ? [
            `${o.destination}-dependencies`,
            // For no request in particular (a bulk write): every shard too, as the index lists only the shards.
            ...(request ? [`${o.destination}-flux-${fluxShardOf(request)}`, requestKustomizationName(o.destination, request)] : [`${o.destination}-resources`, ...fluxShards().map((k) => `${o.destination}-flux-${k}`)]),
          ]
        : [source];
      const patch = { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } };
      await Promise.all(
        names.map((n) =>
          o.client.mergePatch(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/${encodeURIComponent(n)}`, patch).catch((err: unknown) => {
            // A new request's source does not exist until Flux applies the index (it fetches on creation).
            if ((err as { status?: number }).status !== 404) throw err;
          }),
        ),
      );
    },
  };
}
