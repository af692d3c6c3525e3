export { EksDestination, type EksDestinationArgs } from "./eks-destination";
export * as eksBuilders from "./builders";
export { eksKubeconfig, EKS_CLUSTER_POLICIES, EKS_NODE_POLICIES } from "./builders";
