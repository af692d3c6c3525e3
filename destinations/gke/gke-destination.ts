/**
 * GkeDestination: a regional GKE cluster (VPC network, subnetwork with pod/service ranges, node service
 * account, cluster, node pool) with Flux bootstrapped onto it, registered as a Destination. Arguments are
 * validated before any resource exists.
 * Flux applies the destination's per-request index (`<path>/flux/`, cluster-flux.ts): its registration's
 * DestinationRoot must keep one (`clusterFluxIndex`), as the platform program's does.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { attachFlux } from "../../components/flux/attach";
import type { CrdObject } from "../../components/flux/crd-validate";
import type { FluxBootstrap } from "../../components/flux/flux-bootstrap";
import { assertClusterArgs, fluxStateStore, toDestinationSpec, type DestinationRegistration, type GkeConfig, type GkeConfigInput, type StateStoreArgs, type FluxConfigInput } from "../cluster-config";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import { clusterFluxArgs, type ClusterFluxOptions } from "../cluster-flux";
import * as b from "./builders";

export interface GkeDestinationArgs extends ClusterFluxOptions {
  registration: DestinationRegistration;
  gke: GkeConfigInput;
  stateStore: StateStoreArgs;
  /** Flux's settings on the cluster (`fluxConfigSchema`: intervals, timeouts, concurrency, isolated). */
  flux?: FluxConfigInput;
  /** Flux's CRDs: `loadCrdDir(await ensureFluxCrds({ root }))`. */
  fluxCrds: readonly CrdObject[];
  /**
   * The destination's age private key (the platform stack's `AgeKey`, a Pulumi secret): applied as Secret
   * `flux-system/sops-age` through the cluster's provider; the Kustomizations decrypt SOPS with it.
   */
  sopsIdentity?: pulumi.Input<string>;
}

export class GkeDestination extends pulumi.ComponentResource {
  /** Kubeconfig of the cluster (secret; authenticates through gke-gcloud-auth-plugin). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly destination: ResolvedDestination;
  readonly clusterName: pulumi.Output<string>;
  readonly flux: FluxBootstrap;

  constructor(name: string, args: GkeDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    const cfg = assertClusterArgs("gke", args.registration, args.gke, args.stateStore, args.flux);
    const gke = cfg.gke as GkeConfig;
    super("plinth:gke:GkeDestination", name, {}, opts);
    const p = { parent: this };

    const network = new gcp.compute.Network(`${name}-network`, b.networkArgs(name, gke), p);
    const subnet = new gcp.compute.Subnetwork(`${name}-subnet`, b.subnetworkArgs(name, gke, network.id), p);
    const account = new gcp.serviceaccount.Account(`${name}-nodes-sa`, b.nodeServiceAccountArgs(name, gke), p);
    const member = pulumi.interpolate`serviceAccount:${account.email}`;
    const roles = b.GKE_NODE_ROLES.map(
      (role) => new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1].replace(/\./g, "-").toLowerCase()}`, b.nodeRoleMemberArgs(gke, role, member), p),
    );
    const cluster = new gcp.container.Cluster(`${name}-cluster`, b.clusterArgs(name, gke, network.id, subnet.id), p);
    const pool = new gcp.container.NodePool(`${name}-nodes`, b.nodePoolArgs(name, gke, cluster.name, account.email), { ...p, dependsOn: roles });

    this.clusterName = cluster.name;
    this.kubeconfig = pulumi.secret(
      pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([clusterName, endpoint, auth]) =>
        b.gkeKubeconfig({ project: gke.project, location: gke.region, clusterName, endpoint, clusterCaCertificate: auth.clusterCaCertificate ?? "" }),
      ),
    );
    this.destination = toDestinationSpec(cfg, args.stateStore.name ?? "default");
    this.flux = attachFlux(this, name, {
      kubeconfig: this.kubeconfig,
      destination: this.destination.name,
      destinationPath: this.destination.path,
      stateStore: fluxStateStore(args.stateStore),
      ...clusterFluxArgs(cfg.flux, args.teams),
      crds: args.fluxCrds,
      sopsIdentity: args.sopsIdentity,
      dependsOn: [pool, ...(args.dependsOn ?? [])],
    }).flux;
    this.registerOutputs({ kubeconfig: this.kubeconfig, destination: this.destination, clusterName: this.clusterName });
  }
}
