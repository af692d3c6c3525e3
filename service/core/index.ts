export * from "./types";
export { PlinthService, type PlinthServiceOptions } from "./service";
export type { InstalledPromise } from "./installed";
export { TeamDirectory, PLATFORM_CALLER, sha256Hex, type TeamConfig } from "./auth";
export { WorkQueue } from "./queue";
export { stackNameOf, locationOf } from "./keys";
