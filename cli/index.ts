export { main, usage } from "./main";
export { commands, findCommand } from "./commands";
export type { Command, CommandContext, OptionSpec } from "./commands";
export { ApiClient, ApiError, requestPath } from "./client";
export { resolveConnection, findPlinthFile, DEFAULT_URL } from "./config";
export type { Connection } from "./config";
export type { CliIO } from "./io";
export { watchRequest } from "./watch";
export type { WatchOutcome, WatchOptions } from "./watch";
