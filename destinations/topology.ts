/**
 * buildTopology: the platform team's Destinations from one validated config — each cluster provisioned
 * (EKS / GKE / on-prem k3s) with Flux bootstrapped onto it and registered with its labels and path. A
 * `platform` entry is provisioned from its eks/gke/onprem block and registers as the `platform` destination.
 * Flux on each applies the destination's per-request index (cluster-flux.ts): each request is its own
 * Kustomization (and, unless `flux.isolated: false`, its own source), as on a local cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CrdObject } from "../components/flux/crd-validate";
import { clusterKindOf, parseTopologyConfig, type DestinationConfig, type StateStoreArgs, type TopologyConfig } from "./cluster-config";
import { EksDestination } from "./eks";
import { GkeDestination } from "./gke";
import { OnPremDestination } from "./onprem";
import type { ResolvedDestination } from "../components/vocabulary/destination";
import type { ClusterTeam } from "./cluster-flux";

export type ClusterDestination = EksDestination | GkeDestination | OnPremDestination;

export interface Topology {
  config: TopologyConfig;
  /** One component per configured destination, in config order. */
  clusters: ClusterDestination[];
  /** What each registers as (for Promise installation and scheduling). */
  destinations: ResolvedDestination[];
  /** Secret kubeconfig of each destination, by name. */
  kubeconfigs: Record<string, pulumi.Output<string>>;
}

export interface BuildTopologyOptions {
  /** Flux's CRDs: `loadCrdDir(await ensureFluxCrds({ root }))`. */
  fluxCrds: readonly CrdObject[];
  /** Parent of every destination component (e.g. the stack's root component). */
  parent?: pulumi.Resource;
  /** Each destination's age private key (the platform stack's AgeKey), by name: Flux decrypts SOPS with it. */
  sopsIdentities?: Readonly<Record<string, pulumi.Input<string>>>;
  /** `plinth:teams`: on every cluster each team's requests are applied as its own ServiceAccount. */
  teams?: readonly ClusterTeam[];
  /**
   * Each destination's registration, by name (the component whose DestinationRoot keeps its per-request
   * Flux index, `clusterFluxIndex`): Flux's objects on the cluster are applied after it.
   */
  registrations?: Readonly<Record<string, pulumi.Resource>>;
}

function buildOne(d: DestinationConfig, stateStore: StateStoreArgs, o: BuildTopologyOptions): ClusterDestination {
  const registration = { name: d.name, labels: d.labels, path: d.path, strictMatchLabels: d.strictMatchLabels };
  const registered = o.registrations?.[d.name];
  const common = { registration, stateStore, flux: d.flux, fluxCrds: o.fluxCrds, sopsIdentity: o.sopsIdentities?.[d.name], teams: o.teams, ...(registered ? { dependsOn: [registered] } : {}) };
  const opts = o.parent ? { parent: o.parent } : undefined;
  const kind = clusterKindOf(d);
  if (kind === "eks" && d.eks) return new EksDestination(d.name, { ...common, eks: d.eks }, opts);
  if (kind === "gke" && d.gke) return new GkeDestination(d.name, { ...common, gke: d.gke }, opts);
  if (kind === "onprem" && d.onprem) return new OnPremDestination(d.name, { ...common, onprem: d.onprem }, opts);
  throw new Error(`destination ${d.name}: no cluster block for kind ${d.kind}`); // unreachable after validation
}

/**
 * Validates `input` (throws a ValidationError naming each bad key, before any resource is created), then
 * creates one Destination component per entry. Secrets in the config (State Store password, SSH keys) are
 * wrapped as Pulumi secrets.
 */
export function buildTopology(input: unknown, options: BuildTopologyOptions): Topology {
  const config = parseTopologyConfig(input);
  const s = config.stateStore;
  const stateStore: StateStoreArgs = { name: s.name, url: s.url, branch: s.branch, path: s.path, username: s.username, password: pulumi.secret(s.password) };
  const clusters = config.destinations.map((d) => buildOne(d, stateStore, options));
  const kubeconfigs: Record<string, pulumi.Output<string>> = {};
  clusters.forEach((c) => (kubeconfigs[c.destination.name] = c.kubeconfig));
  return { config, clusters, destinations: clusters.map((c) => c.destination), kubeconfigs };
}
