/** Options several commands share, and small helpers to read them. */
import { BadRequestError } from "../../components/errors";
import type { OptionSpec } from "./types";

export const NAMESPACE: Record<string, OptionSpec> = { namespace: { type: "string", short: "n", description: "namespace (default: default)" } };
export const OUTPUT: Record<string, OptionSpec> = { output: { type: "string", short: "o", description: "output format: json or yaml" } };
export const FILENAME: Record<string, OptionSpec> = { filename: { type: "string", short: "f", description: "file with request objects (YAML or JSON; - for stdin)" } };
export const WATCH: Record<string, OptionSpec> = {
  watch: { type: "boolean", short: "w", description: "follow progress until Ready or Stalled (exit 2 when Stalled)" },
  timeout: { type: "string", description: "give up watching after this many seconds (default 600)" },
};

export const EXIT_STALLED = 2;

export function namespaceOf(flags: Record<string, unknown>): string {
  return typeof flags.namespace === "string" && flags.namespace ? flags.namespace : "default";
}

export function timeoutMs(flags: Record<string, unknown>): number {
  if (flags.timeout === undefined) return 600_000;
  const s = Number(flags.timeout);
  if (!Number.isFinite(s) || s <= 0) throw new BadRequestError(`--timeout ${String(flags.timeout)} must be a number of seconds > 0`, undefined, "Usage");
  return s * 1000;
}

/** Exactly `count` positionals named `names`, or a usage error. */
export function positionals(args: string[], names: string[], usage: string): string[] {
  if (args.length !== names.length) {
    throw new BadRequestError(`expected ${names.map((n) => `<${n}>`).join(" ")}, got ${args.length ? args.join(" ") : "nothing"}; usage: plinth ${usage}`, undefined, "Usage");
  }
  return args;
}
