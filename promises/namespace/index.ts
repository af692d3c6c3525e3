export { namespacePromise, namespaceSpec, namespaceConfig } from "./promise";
