/**
 * EksDestination: an EKS cluster (VPC, public subnets, IAM roles, cluster, managed node group) with Flux
 * bootstrapped onto it, registered as a Destination. Arguments are validated before any resource exists.
 * Flux applies the destination's per-request index (`<path>/flux/`, cluster-flux.ts): its registration's
 * DestinationRoot must keep one (`clusterFluxIndex`), as the platform program's does.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { attachFlux } from "../../components/flux/attach";
import type { CrdObject } from "../../components/flux/crd-validate";
import type { FluxBootstrap } from "../../components/flux/flux-bootstrap";
import { assertClusterArgs, fluxStateStore, toDestinationSpec, type DestinationRegistration, type EksConfig, type EksConfigInput, type StateStoreArgs, type FluxConfigInput } from "../cluster-config";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import { clusterFluxArgs, type ClusterFluxOptions } from "../cluster-flux";
import * as b from "./builders";

export interface EksDestinationArgs extends ClusterFluxOptions {
  registration: DestinationRegistration;
  /** Validated with `eksConfigSchema` (defaults applied). */
  eks: EksConfigInput;
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

export class EksDestination extends pulumi.ComponentResource {
  /** Kubeconfig of the cluster (secret; authenticates through `aws eks get-token`). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly destination: ResolvedDestination;
  readonly clusterName: pulumi.Output<string>;
  readonly flux: FluxBootstrap;
  /** The cluster's network, for what runs beside it (e.g. the service's RDS database). */
  readonly network: { vpcId: pulumi.Output<string>; vpcCidr: string; subnetIds: pulumi.Output<string>[] };

  constructor(name: string, args: EksDestinationArgs, opts?: pulumi.ComponentResourceOptions) {
    const cfg = assertClusterArgs("eks", args.registration, args.eks, args.stateStore, args.flux);
    const eks = cfg.eks as EksConfig;
    super("plinth:eks:EksDestination", name, {}, opts);
    const p = { parent: this };

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, b.vpcArgs(name, eks), p);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, b.internetGatewayArgs(name, vpc.id), p);
    const routes = new aws.ec2.RouteTable(`${name}-rt`, b.routeTableArgs(name, vpc.id, igw.id), p);
    const subnets = eks.subnetCidrs.map((_, i) => new aws.ec2.Subnet(`${name}-subnet-${i}`, b.subnetArgs(name, eks, vpc.id, i), p));
    subnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-rta-${i}`, { subnetId: s.id, routeTableId: routes.id }, p));
    const subnetIds = subnets.map((s) => s.id);

    const clusterRole = new aws.iam.Role(`${name}-cluster-role`, b.clusterRoleArgs(name), p);
    const clusterPolicies = b.EKS_CLUSTER_POLICIES.map(
      (arn) => new aws.iam.RolePolicyAttachment(`${name}-cluster-${arn.split("/").pop()}`, { role: clusterRole.name, policyArn: arn }, p),
    );
    const nodeRole = new aws.iam.Role(`${name}-node-role`, b.nodeRoleArgs(name), p);
    const nodePolicies = b.EKS_NODE_POLICIES.map(
      (arn) => new aws.iam.RolePolicyAttachment(`${name}-node-${arn.split("/").pop()}`, { role: nodeRole.name, policyArn: arn }, p),
    );

    const cluster = new aws.eks.Cluster(`${name}-cluster`, b.clusterArgs(name, eks, clusterRole.arn, subnetIds), { ...p, dependsOn: clusterPolicies });
    const nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, b.nodeGroupArgs(name, eks, cluster.name, nodeRole.arn, subnetIds), { ...p, dependsOn: nodePolicies });

    this.clusterName = cluster.name;
    this.network = { vpcId: vpc.id, vpcCidr: eks.vpcCidr, subnetIds };
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) => b.eksKubeconfig({ clusterName, region: eks.region, endpoint, certificateAuthorityData: ca.data ?? "" })),
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
      dependsOn: [nodeGroup, ...(args.dependsOn ?? [])],
    }).flux;
    this.registerOutputs({ kubeconfig: this.kubeconfig, destination: this.destination, clusterName: this.clusterName });
  }
}
