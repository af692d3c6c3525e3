export { buildTopology, type BuildTopologyOptions, type ClusterDestination, type Topology } from "./topology";
export { EksDestination, type EksDestinationArgs } from "./eks";
export { GkeDestination, type GkeDestinationArgs } from "./gke";
export { OnPremDestination, type OnPremDestinationArgs } from "./onprem";
export {
  parseTopologyConfig,
  topologyConfigIssues,
  topologyConfigSchema,
  formatKeyPath,
  parseCidr,
  cidrsOverlap,
  cidrContains,
  type TopologyConfig,
  type TopologyConfigInput,
  type DestinationConfig,
  type DestinationRegistration,
  type StateStoreArgs,
} from "./cluster-config";
export { LocalClusterDestination, LocalCluster, KubeClient, KubeError, type LocalClusterDestinationArgs, type LocalClusterOptions } from "./local-cluster";
export { clusterFluxIndex, clusterFluxArgs, type ClusterTeam, type ClusterFluxOptions } from "./cluster-flux";
