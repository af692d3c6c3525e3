export { LocalClusterDestination, type LocalClusterDestinationArgs } from "./local-cluster-destination";
export { LocalCluster, FLUX_CONTROLLERS as LOCAL_FLUX_CONTROLLERS, fluxControllerUser, type LocalClusterOptions } from "./cluster";
export { KubeClient, KubeError } from "./kube-client";
export { buildKubeconfig, parseKubeconfig } from "./kubeconfig";
export { configMapProbePromise, PROBE_API_VERSION, PROBE_KIND } from "./probe-promise";
