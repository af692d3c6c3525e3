/**
 * Pure builders for an EKS Destination: the arguments of each AWS resource (network, IAM, cluster, managed
 * node group) and the kubeconfig text. EksDestination only wires these together.
 */
import { stringify } from "yaml";
import type { EksConfig } from "../cluster-config";

/** AWS managed policies each role gets. */
export const EKS_CLUSTER_POLICIES = ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"] as const;
export const EKS_NODE_POLICIES = [
  "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
  "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
] as const;

export function tags(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Name: name, "managed-by": "plinth", "plinth.dev/destination": name, ...extra };
}

export function availabilityZones(cfg: EksConfig): string[] {
  return cfg.availabilityZones ?? cfg.subnetCidrs.map((_, i) => `${cfg.region}${"abcdefghijklmnop"[i]}`);
}

export function vpcArgs(name: string, cfg: EksConfig) {
  return { cidrBlock: cfg.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags(name) };
}

/** Public subnets (one per zone), tagged for the cluster and for internet-facing load balancers. */
export function subnetArgs<V>(name: string, cfg: EksConfig, vpcId: V, i: number) {
  return {
    vpcId,
    cidrBlock: cfg.subnetCidrs[i],
    availabilityZone: availabilityZones(cfg)[i],
    mapPublicIpOnLaunch: true,
    tags: tags(`${name}-${i}`, { [`kubernetes.io/cluster/${name}`]: "shared", "kubernetes.io/role/elb": "1" }),
  };
}

export function internetGatewayArgs<V>(name: string, vpcId: V) {
  return { vpcId, tags: tags(name) };
}

export function routeTableArgs<V, G>(name: string, vpcId: V, gatewayId: G) {
  return { vpcId, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId }], tags: tags(name) };
}

function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

export function clusterRoleArgs(name: string) {
  return { assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"), description: `EKS control plane of Plinth destination ${name}`, tags: tags(name) };
}

export function nodeRoleArgs(name: string) {
  return { assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"), description: `EKS nodes of Plinth destination ${name}`, tags: tags(name) };
}

export function clusterArgs<R, S>(name: string, cfg: EksConfig, roleArn: R, subnetIds: S) {
  return {
    name,
    roleArn,
    version: cfg.version,
    vpcConfig: { subnetIds, endpointPublicAccess: true, endpointPrivateAccess: true },
    accessConfig: { authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true },
    tags: tags(name),
  };
}

export function nodeGroupArgs<C, R, S>(name: string, cfg: EksConfig, clusterName: C, nodeRoleArn: R, subnetIds: S) {
  const n = cfg.nodeGroup;
  return {
    clusterName,
    nodeGroupName: `${name}-workers`,
    nodeRoleArn,
    subnetIds,
    instanceTypes: n.instanceTypes,
    scalingConfig: { desiredSize: n.desiredSize, minSize: n.minSize, maxSize: n.maxSize },
    updateConfig: { maxUnavailable: 1 },
    tags: tags(name),
  };
}

export interface EksKubeconfigInput {
  clusterName: string;
  region: string;
  endpoint: string;
  /** Base64 PEM of the cluster CA, as EKS reports it. */
  certificateAuthorityData: string;
}

/** A kubeconfig that authenticates with `aws eks get-token` (no long-lived credential inside). */
export function eksKubeconfig(k: EksKubeconfigInput): string {
  const ctx = `eks-${k.clusterName}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: ctx, cluster: { server: k.endpoint, "certificate-authority-data": k.certificateAuthorityData } }],
    users: [
      {
        name: ctx,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", k.clusterName, "--region", k.region, "--output", "json"],
            interactiveMode: "Never",
          },
        },
      },
    ],
    contexts: [{ name: ctx, context: { cluster: ctx, user: ctx } }],
    "current-context": ctx,
  });
}
