export * from "./types";
export { PlinthService, type PlinthServiceOptions, type InstalledPromise } from "./service";
export { TeamDirectory, PLATFORM_CALLER, sha256Hex, type TeamConfig } from "./auth";
export { WorkQueue } from "./queue";
export { stackNameOf, locationOf } from "./keys";
