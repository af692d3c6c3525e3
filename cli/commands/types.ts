/** A `plinth` sub-command: its options (node:util parseArgs style) and what it does. */
import type { ApiClient } from "../client";
import type { CliIO } from "../io";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  description: string;
}

export interface CommandContext {
  /** Positional arguments after the command name. */
  args: string[];
  flags: Record<string, string | boolean | undefined>;
  io: CliIO;
  client: ApiClient;
}

export interface Command {
  name: string;
  summary: string;
  /** e.g. `get [kind] [name] [-n ns] [-o json|yaml]` */
  usage: string;
  options?: Record<string, OptionSpec>;
  /** Resolves to the exit code. Errors thrown are printed as `error: <code>: <message>` with exit 1. */
  run(ctx: CommandContext): Promise<number>;
}
