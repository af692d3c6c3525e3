export { FluxBootstrap, assertFluxBootstrapArgs, fluxSyncSpec, type FluxBootstrapArgs, type FluxStateStoreArgs } from "./flux-bootstrap";
export { FLUX_CONTROLLERS, FLUX_CONTROLLER_NAMES, fluxControllerObjects, type FluxController, type FluxControllersMode } from "./controllers";
export {
  FLUX_NAMESPACE,
  GIT_REPOSITORY_API,
  KUSTOMIZATION_API,
  fluxSyncIssues,
  gitAuthSecret,
  gitRepository,
  kustomizationPath,
  kustomizations,
  type FluxSyncSpec,
  type K8sObject,
} from "./sync";
export { crdSchema, loadCrdDir, parseCrds, validateAgainstSchema, validateCustomResource, type CrdObject, type JsonSchema, type SchemaIssue } from "./crd-validate";
