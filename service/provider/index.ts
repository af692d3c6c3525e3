export { PlinthProvider, PROVIDER_NAME, PROVIDER_VERSION, typeOfUrn } from "./provider";
export { placementHandler } from "./placement";
export { serveInProcess, stopInProcess } from "./serve";
export type { DirectoryWriter, StoreResolver, ResourceHandler } from "./types";
