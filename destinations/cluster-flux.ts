/**
 * The per-request Flux layout of a provisioned cluster Destination (EKS, GKE, on-prem k3s, the platform
 * cluster), as local-cluster destinations have it: its DestinationRoot keeps the per-request index
 * (components/state-store/flux-index.ts) and its FluxBootstrap applies that index, each from the same
 * `flux` settings (`plinth:clusters[].flux`), so the two always agree. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AttachFluxArgs } from "../components/flux/attach";
import { FLUX_NAMESPACE, SOPS_AGE_SECRET } from "../components/flux/sync";
import type { FluxIndexOptions } from "../components/state-store/flux-index";
import type { FluxConfig } from "./cluster-config";

/** A team as Flux's lockdown sees it (`plinth:teams`): its requests are applied as its own ServiceAccount. */
export type ClusterTeam = { name: string; namespaces: readonly string[] };

/**
 * The `flux` option of a cluster destination's DestinationRoot: index entries in `flux-system`, each
 * request's Kustomization decrypting with the `sops-age` Secret when the destination has an age key, and
 * with `isolated` (default) each request's own GitRepository cloning `url`, the store as Flux on that
 * cluster clones it (`plinth:clusters.stateStore.url`, with FluxBootstrap's `plinth-state-store-auth`).
 */
export function clusterFluxIndex(o: { destination: string; flux: Partial<FluxConfig>; url: string; sops: boolean }): FluxIndexOptions {
  const f = o.flux;
  const settings = { interval: f.requestInterval, retryInterval: f.requestRetryInterval, timeout: f.requestTimeout };
  return {
    namespace: FLUX_NAMESPACE,
    destination: o.destination,
    ...(o.sops ? { sopsSecret: SOPS_AGE_SECRET } : {}),
    ...(f.isolated === false ? {} : { url: o.url }),
    ...(Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Pick<FluxIndexOptions, "interval" | "retryInterval" | "timeout">),
  };
}

/**
 * What a provisioned cluster's `attachFlux` gets from its `flux` settings: in-cluster controllers with
 * their intervals and `--concurrent` workers, applying the destination's per-request index (`perRequest`),
 * a source per request unless `isolated: false`, and each restricted team's ServiceAccount and RBAC.
 */
export function clusterFluxArgs(flux: FluxConfig, teams: readonly ClusterTeam[] | undefined): Pick<AttachFluxArgs, "interval" | "retryInterval" | "timeout" | "concurrency" | "perRequest" | "isolated" | "teams"> {
  return {
    interval: flux.interval,
    retryInterval: flux.retryInterval,
    timeout: flux.timeout,
    concurrency: flux.concurrency,
    perRequest: true,
    isolated: flux.isolated !== false,
    teams: teams ?? [],
  };
}

/** Arguments every cluster Destination component takes for its Flux besides its cluster's own. */
export interface ClusterFluxOptions {
  /** `plinth:teams`: each team's requests are applied as its own ServiceAccount (Flux lockdown). */
  teams?: readonly ClusterTeam[];
  /**
   * Resources Flux's objects wait for besides the cluster: the destination's registration (its
   * DestinationRoot writes the per-request index `<dest>-resources` applies).
   */
  dependsOn?: pulumi.Resource[];
}
