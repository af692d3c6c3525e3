export { GkeDestination, type GkeDestinationArgs } from "./gke-destination";
export * as gkeBuilders from "./builders";
export { gkeKubeconfig, GKE_NODE_ROLES } from "./builders";
