export { ensureFluxCrds, fluxCrdsKey, FLUX_API_MODULES, type EnsureFluxCrdsOptions } from "./flux-crds";
export {
  ensureClusterBinaries,
  clusterBinaryResolver,
  ensureClusterBinary,
  clusterBinaryKey,
  clusterBinaryPath,
  CLUSTER_BINARIES,
  KUBERNETES_PROVIDER_VERSION,
  type ClusterBinary,
  type EnsureClusterBinariesOptions,
} from "./binaries";
