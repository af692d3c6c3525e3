/**
 * `plinth <command> [args] [flags]`. `main` takes argv and injectable IO and resolves to the exit code:
 * 0 ok, 1 error (printed as `error: <code>: <message>` with field paths), 2 a watched request Stalled.
 */
import { parseArgs } from "node:util";
import { ApiClient } from "./client";
import { commands, findCommand, type Command } from "./commands";
import { resolveConnection } from "./config";
import { formatError } from "./format";
import { processIO, type CliIO } from "./io";

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    "usage: plinth <command> [flags]",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}   ${c.summary}`),
    `  ${"pulumi <args…>".padEnd(width)}   the pinned Pulumi CLI on the local platform's state (e.g. pulumi up --stack local)`,
    "",
    "The API is PLINTH_URL (else .plinth/url here or in a parent, else http://127.0.0.1:8080);",
    "the token is PLINTH_TOKEN (else .plinth/token).",
    "",
  ].join("\n");
}

function commandHelp(c: Command): string {
  const flags = Object.entries(c.options ?? {}).map(([name, o]) => [`${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? " <value>" : ""}`, o.description]);
  const width = Math.max(0, ...flags.map(([f]) => f.length));
  const opts = flags.map(([f, d]) => `  ${f.padEnd(width)}   ${d}`);
  return [`usage: plinth ${c.usage}`, "", c.summary, ...(opts.length ? ["", "flags:", ...opts] : []), ""].join("\n");
}

export async function main(argv: string[], ioOverrides: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = { ...processIO(), ...ioOverrides };
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "-h" || name === "--help") {
    io.stdout(usage());
    return name ? 0 : 1;
  }
  // Everything after `pulumi` belongs to the Pulumi CLI (its own flags and help).
  if (name === "pulumi") return (await import("./pulumi.js")).runPulumi(rest, io);
  const command = findCommand(name);
  if (!command) {
    io.stderr(`error: Usage: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const client = new ApiClient(resolveConnection(io.env, io.cwd), io.fetch);
    return await command.run({ args: positionals, flags: values as Record<string, string | boolean | undefined>, io, client });
  } catch (err) {
    const e = err as { code?: string };
    // parseArgs errors (unknown flag, missing value) are usage errors too.
    if (typeof e.code === "string" && e.code.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`error: Usage: ${(err as Error).message}\n  usage: plinth ${command.usage}\n`);
      return 1;
    }
    io.stderr(formatError(err));
    return 1;
  }
}
