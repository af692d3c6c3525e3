/**
 * The service's view of each cluster destination's Flux (`Applied` / `Healthy` conditions): one
 * client-node source (components/flux/kube-status.ts) per cluster, from its kubeconfig: the running local
 * clusters' and the kubeconfigs the EKS, GKE and on-prem destination stacks output (`kubeconfigs`, a
 * Pulumi secret, never logged). Every cluster destination reconciles each request with its own Kustomization.
 */
import { kubeStatusSource, type KubeStatusSource } from "../../components/flux/kube-status";
import type { PlatformOutputs } from "./types";

interface DestinationCfg {
  name: string;
  kind?: string;
  flux?: { isolated?: boolean };
}

export function clusterSources(o: {
  destinations: readonly DestinationCfg[];
  /** `plinth:clusters.destinations` (validated): each provisioned cluster's `flux` settings. */
  clusters?: readonly { name: string; flux?: { isolated?: boolean } }[];
  localClusters: ReadonlyMap<string, { kubeconfig: string }>;
  outputs: Pick<PlatformOutputs, "kubeconfigs">;
  log?: (line: string) => void;
}): KubeStatusSource[] {
  const local = [...o.localClusters]
    .filter(([n]) => o.destinations.some((d) => d.name === n && d.kind === "local-cluster"))
    .map(([destination, c]) =>
      kubeStatusSource({ destination, kubeconfig: c.kubeconfig, isolated: o.destinations.find((d) => d.name === destination)?.flux?.isolated ?? true, log: o.log }),
    );
  // EKS / GKE / on-prem / the platform cluster: per request too (destinations/cluster-flux.ts), each
  // request's own Kustomization (and, unless `flux.isolated: false`, its own source).
  const remote = Object.entries(o.outputs.kubeconfigs ?? {})
    .filter(([destination, kubeconfig]) => typeof kubeconfig === "string" && !o.localClusters.has(destination))
    .map(([destination, kubeconfig]) =>
      kubeStatusSource({ destination, kubeconfig, perRequest: true, isolated: o.clusters?.find((d) => d.name === destination)?.flux?.isolated ?? true, log: o.log }),
    );
  // `PLINTH_FLUX_WATCH=0`: no watch, the tracker polls every 100 ms as before (for comparison).
  if (process.env.PLINTH_FLUX_WATCH === "0") return [...local, ...remote].map((s) => ({ ...s, watch: undefined }) as unknown as KubeStatusSource);
  return [...local, ...remote];
}
