/**
 * `npm start`'s program (stacks/start.ts) as a child process in its own process group, on a given data
 * dir and a free port, resolved once it prints that it is running. `killAll` SIGKILLs the groups of
 * everything started (for `after` hooks), so a failed test leaves no platform or cluster behind.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "./pulumi";

export interface StartedPlatform {
  child: ChildProcess;
  url: string;
  stdout: string;
  /** Pids of a `--cluster` run's processes, from its "ready … (pid N)" progress lines. */
  pids(): number[];
  exited: Promise<number | null>;
}

export function spawnStart(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<StartedPlatform> {
  const child = spawn(process.execPath, ["--import", "tsx", "stacks/start.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PLINTH_DATA_DIR: dataDir, PLINTH_PORT: "0", PLINTH_CLUSTER: "", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let err = "";
  let out = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /Plinth is running at (http:\/\/[\d.:]+)/.exec(out);
      if (m && /Press Ctrl-C/.test(out)) {
        resolve({ child, url: m[1], stdout: out, exited, pids: () => [...err.matchAll(/ready in [\d.]+ s \(pid (\d+)\)/g)].map((x) => Number(x[1])) });
      }
    });
    child.once("exit", (code) => reject(new Error(`platform exited (${code}) before it was ready:\n${err.slice(-3000)}`)));
  });
}

const started: ChildProcess[] = [];

/** SIGKILLs the process group of every platform started here that may still run. */
export function killAll(): void {
  for (const c of started.splice(0)) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

/**
 * Runs `npm start`'s program on a fresh data dir until it exits (a start that must fail): its exit code
 * and output, as on a terminal (the pretty log, no colour). The data dir is removed afterwards.
 */
export async function runStartToExit(env: Record<string, string>, timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-start-"));
  try {
    return await new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "stacks/start.ts"],
        { cwd: REPO_ROOT, env: { ...process.env, PLINTH_PORT: "0", PLINTH_DATA_DIR: dataDir, PLINTH_CLUSTER: "", PLINTH_LOG_FORMAT: "pretty", NO_COLOR: "1", ...env }, timeout },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
