/**
 * Pure builders for a GKE Destination: the arguments of each GCP resource (VPC network, subnetwork with
 * pod/service ranges, node service account and its roles, regional cluster, node pool) and the kubeconfig.
 */
import { stringify } from "yaml";
import type { GkeConfig } from "../cluster-config";

/** Project roles the node service account gets (logs, metrics, image pulls). */
export const GKE_NODE_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/artifactregistry.reader"] as const;

export function gkeLabels(name: string): Record<string, string> {
  return { "managed-by": "plinth", "plinth-destination": name };
}

export function networkArgs(name: string, cfg: GkeConfig) {
  return { project: cfg.project, name, autoCreateSubnetworks: false, description: `Plinth destination ${name}` };
}

export const podsRangeName = (name: string) => `${name}-pods`;
export const servicesRangeName = (name: string) => `${name}-services`;

export function subnetworkArgs<N>(name: string, cfg: GkeConfig, network: N) {
  return {
    project: cfg.project,
    region: cfg.region,
    name,
    network,
    ipCidrRange: cfg.subnetCidr,
    privateIpGoogleAccess: true,
    secondaryIpRanges: [
      { rangeName: podsRangeName(name), ipCidrRange: cfg.podsCidr },
      { rangeName: servicesRangeName(name), ipCidrRange: cfg.servicesCidr },
    ],
  };
}

/** Service account ids are 6–30 characters of [a-z0-9-], starting with a letter. */
export function nodeAccountId(name: string): string {
  let id = `${name}-nodes`.replace(/^[^a-z]+/, "");
  if (id.length < 6) id = `plinth-${id}`;
  return id.slice(0, 30).replace(/-+$/, "");
}

export function nodeServiceAccountArgs(name: string, cfg: GkeConfig) {
  return { project: cfg.project, accountId: nodeAccountId(name), displayName: `GKE nodes of Plinth destination ${name}` };
}

/** `member` is `serviceAccount:<email>` of the node service account. */
export function nodeRoleMemberArgs<M>(cfg: GkeConfig, role: string, member: M) {
  return { project: cfg.project, role, member };
}

export function clusterArgs<N, S>(name: string, cfg: GkeConfig, network: N, subnetwork: S) {
  return {
    project: cfg.project,
    name,
    location: cfg.region,
    network,
    subnetwork,
    ...(cfg.version ? { minMasterVersion: cfg.version } : {}),
    releaseChannel: { channel: "REGULAR" },
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    deletionProtection: false,
    networkingMode: "VPC_NATIVE",
    ipAllocationPolicy: { clusterSecondaryRangeName: podsRangeName(name), servicesSecondaryRangeName: servicesRangeName(name) },
    workloadIdentityConfig: { workloadPool: `${cfg.project}.svc.id.goog` },
    resourceLabels: gkeLabels(name),
  };
}

export function nodePoolArgs<C, E>(name: string, cfg: GkeConfig, cluster: C, serviceAccount: E) {
  return {
    project: cfg.project,
    name: `${name}-workers`,
    cluster,
    location: cfg.region,
    nodeCount: cfg.nodePool.nodeCount,
    management: { autoRepair: true, autoUpgrade: true },
    nodeConfig: {
      machineType: cfg.nodePool.machineType,
      serviceAccount,
      oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
      labels: gkeLabels(name),
      workloadMetadataConfig: { mode: "GKE_METADATA" },
    },
  };
}

export interface GkeKubeconfigInput {
  project: string;
  location: string;
  clusterName: string;
  /** Host or IP of the control plane, as GKE reports `endpoint`. */
  endpoint: string;
  /** Base64 PEM of the cluster CA (`masterAuth.clusterCaCertificate`). */
  clusterCaCertificate: string;
}

/** A kubeconfig that authenticates with `gke-gcloud-auth-plugin` (no long-lived credential inside). */
export function gkeKubeconfig(k: GkeKubeconfigInput): string {
  const ctx = `gke_${k.project}_${k.location}_${k.clusterName}`;
  const server = k.endpoint.startsWith("https://") ? k.endpoint : `https://${k.endpoint}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: ctx, cluster: { server, "certificate-authority-data": k.clusterCaCertificate } }],
    users: [
      {
        name: ctx,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "gke-gcloud-auth-plugin",
            provideClusterInfo: true,
            installHint: "Install gke-gcloud-auth-plugin: https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl",
            interactiveMode: "Never",
          },
        },
      },
    ],
    contexts: [{ name: ctx, context: { cluster: ctx, user: ctx } }],
    "current-context": ctx,
  });
}
