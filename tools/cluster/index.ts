export { ensureFluxCrds, fluxCrdsKey, FLUX_API_MODULES, type EnsureFluxCrdsOptions } from "./flux-crds";
