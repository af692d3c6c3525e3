/**
 * `plinth pulumi <args…>`: the pinned Pulumi CLI (built by the toolchain step, with Plinth's Node.js
 * language host beside it) on the local platform's state, exactly as `npm start` keeps it: backend
 * `file://<data dir>/state`, passphrase `<data dir>/passphrase`, `PULUMI_HOME` `<data dir>/pulumi-home`
 * (data dir: `PLINTH_DATA_DIR`, default `.plinth/` of the checkout). Values already set in the
 * environment win, so the same command drives any other backend.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureToolchain } from "../tools/pulumi/ensure";
import type { CliIO } from "./io";

/**
 * This checkout's root: the one holding the running `plinth` command (cli/bin.mjs, symlinks resolved),
 * else the current directory or a parent. (`__dirname` is not usable under the bin's tsx import.)
 */
export function plinthRoot(argv1 = process.argv[1], cwd = process.cwd()): string {
  const isRoot = (d: string) => fs.existsSync(path.join(d, "tools", "pulumi", "go.mod"));
  const candidates: string[] = [];
  try {
    if (argv1) candidates.push(path.resolve(path.dirname(fs.realpathSync(argv1)), ".."));
  } catch {
    // not a file: fall back to the working directory
  }
  for (let d = path.resolve(cwd); ; d = path.dirname(d)) {
    candidates.push(d);
    if (path.dirname(d) === d) break;
  }
  const found = candidates.find(isRoot);
  if (!found) throw new Error("cannot find the Plinth checkout: run `npx plinth pulumi …` inside it");
  return found;
}

/** The data dir's passphrase file, created (random, 0600) when missing — the one `npm start` uses. */
export function passphraseFile(dataDir: string): string {
  const file = path.join(dataDir, "passphrase");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(24).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  }
  return file;
}

/** The environment of the CLI: defaults for what `env` leaves unset, the toolchain directory first on PATH. */
export function pulumiEnv(env: Record<string, string | undefined>, opts: { binDir: string; root: string }): Record<string, string> {
  const dataDir = path.resolve(env.PLINTH_DATA_DIR || path.join(opts.root, ".plinth"));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.PLINTH_DATA_DIR = dataDir;
  out.PULUMI_BACKEND_URL ||= `file://${path.join(dataDir, "state")}`;
  out.PULUMI_HOME ||= path.join(dataDir, "pulumi-home");
  if (!out.PULUMI_CONFIG_PASSPHRASE && !out.PULUMI_CONFIG_PASSPHRASE_FILE) out.PULUMI_CONFIG_PASSPHRASE_FILE = passphraseFile(dataDir);
  out.PULUMI_SKIP_UPDATE_CHECK ||= "true";
  out.PATH = [opts.binDir, out.PATH ?? ""].join(path.delimiter);
  if (out.PULUMI_BACKEND_URL.startsWith("file://")) fs.mkdirSync(out.PULUMI_BACKEND_URL.slice("file://".length), { recursive: true });
  return out;
}

/** Runs the pinned `pulumi` with `args` in `io.cwd`, output straight to this terminal; resolves to its exit code. */
export async function runPulumi(args: string[], io: CliIO): Promise<number> {
  const root = plinthRoot(process.argv[1], io.cwd);
  const toolchain = await ensureToolchain({ root, log: (l) => io.stderr(`${l}\n`) });
  const env = pulumiEnv(io.env, { binDir: toolchain.binDir, root });
  const child = spawn(toolchain.pulumi, args, { cwd: io.cwd, env, stdio: "inherit" });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
    });
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
