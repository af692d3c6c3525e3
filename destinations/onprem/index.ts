export { OnPremDestination, type OnPremDestinationArgs } from "./onprem-destination";
export * as onPremBuilders from "./builders";
export { rewriteK3sKubeconfig } from "./builders";
