/**
 * `plinth init promise <name> [--kind Kind] [--group api.group] [--root dir] [--no-register]`: scaffolds a
 * Promise (promises/<name>/index.ts, promise.ts with a zod API, Dependencies and a configure workflow) and
 * its test (test/unit/promises/<name>.test.ts) using the shared Promise test harness, and adds it to the
 * one registry, promises/marketplace.ts (unless `--no-register`).
 *
 * Exit codes: 0 written; 1 something already exists or could not be written; 2 bad usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PlinthError, ValidationError } from "../../components/errors";
import { scaffoldPromise } from "../scaffold";
import type { Command } from "./types";

export interface CommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  cwd: string;
}

const USAGE = "usage: plinth init promise <name> [--kind Kind] [--group api.group] [--root dir] [--no-register]\n";

/** The nearest directory at or above `dir` holding both promises/ and package.json; `dir` when none does. */
export function findRepoRoot(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "promises")) && fs.existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

function parse(args: string[]): { positional: string[]; flags: Record<string, string> } | string {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") return "help";
    if (a === "--no-register") {
      flags["no-register"] = "true";
      continue;
    }
    const m = /^--(kind|group|root)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? args[++i];
      if (v === undefined || v === "") return `--${m[1]} needs a value`;
      flags[m[1]] = v;
    } else if (a.startsWith("-")) return `unknown option ${a}`;
    else positional.push(a);
  }
  return { positional, flags };
}

export const initCommand = {
  name: "init",
  describe: "scaffold a new Promise and its test: plinth init promise <name>",
  async run(args: string[], io: CommandIo): Promise<number> {
    const parsed = parse(args);
    if (parsed === "help") {
      io.stdout.write(USAGE);
      return 0;
    }
    if (typeof parsed === "string") {
      io.stderr.write(`plinth init: ${parsed}\n${USAGE}`);
      return 2;
    }
    const [what, name, ...rest] = parsed.positional;
    if (what !== "promise" || name === undefined || rest.length) {
      io.stderr.write(`plinth init: ${what !== "promise" ? `unknown thing to initialise ${JSON.stringify(what ?? "")}; only "promise" is supported` : name === undefined ? "missing <name>" : `unexpected argument ${rest[0]}`}\n${USAGE}`);
      return 2;
    }
    const root = parsed.flags.root ? path.resolve(io.cwd, parsed.flags.root) : findRepoRoot(io.cwd);
    try {
      const r = scaffoldPromise({ root, name, kind: parsed.flags.kind, group: parsed.flags.group, register: parsed.flags["no-register"] !== "true" });
      io.stdout.write(`created Promise "${r.names.name}" (${r.names.group}/v1alpha1 ${r.names.kind}):\n${r.files.map((f) => `  ${f}\n`).join("")}`);
      if (r.registered) io.stdout.write(`registered ${r.names.ident} in ${r.registered} (category "other": edit its entry)\n`);
      const register = r.registered ? "" : `, and add ${r.names.ident} to promises/marketplace.ts`;
      io.stdout.write(`next: edit promises/${name}/promise.ts, run node --import tsx --test test/unit/promises/${name}.test.ts${register}\n`);
      return 0;
    } catch (e) {
      if (e instanceof ValidationError) {
        io.stderr.write(`plinth init: ${e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}\n`);
        return 2;
      }
      const msg = e instanceof PlinthError || e instanceof Error ? e.message : String(e);
      io.stderr.write(`plinth init: ${msg}\n`);
      return 1;
    }
  },
};

/** `initCommand` in the shape of the `plinth` command registry (cli/commands/types.ts `Command`). */
export const initPromiseCommand: Command = {
  name: "init",
  summary: "scaffold a new Promise (promises/<name>/) and its test",
  usage: "init promise <name> [--kind Kind] [--group api.group] [--root dir] [--no-register]",
  options: {
    kind: { type: "string", description: "API kind (default: the name in UpperCamelCase)" },
    group: { type: "string", description: "API group (default: plinth.dev)" },
    root: { type: "string", description: "repository root (default: found from the working directory)" },
    "no-register": { type: "boolean", description: "do not add it to promises/marketplace.ts" },
  },
  run({ args, flags, io }) {
    const argv = [...args];
    for (const f of ["kind", "group", "root"]) if (typeof flags[f] === "string") argv.push(`--${f}`, flags[f] as string);
    if (flags["no-register"] === true) argv.push("--no-register");
    return initCommand.run(argv, { cwd: io.cwd, stdout: { write: (s) => io.stdout(s) }, stderr: { write: (s) => io.stderr(s) } });
  },
};
