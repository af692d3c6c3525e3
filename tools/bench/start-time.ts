/**
 * start_s: the README's start command (`npm start`) to ready, the toolchain already built. Spawned as
 * users run it — in the checkout, on its `.plinth/` data dir — with `PLINTH_PORT` set to a free port,
 * in its own process group. Ready = the "Plinth is running at <url>" line on stdout AND `/healthz`
 * answering 200 (polled every 50 ms). Then the group gets SIGINT (the command's Ctrl-C path).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { freePort, stopGroup } from "./children";
import { nowMs, round } from "./stats";

export interface StartResult {
  seconds: number;
  /** When the stdout line and the first 200 from /healthz came, seconds after spawn. */
  line_s: number;
  healthz_s: number;
  /** Whether `.plinth/state` existed before (a resumed start) or not (a first start). */
  state: "existing" | "fresh";
  /** What the command itself reports: its `up` of the local stack, and ready time counted from its own start (so spawn → `main` = seconds − ready_in_s is npm + tsx boot). */
  up_s?: number;
  ready_in_s?: number;
  boot_s?: number;
  /** Requests stored in `.plinth/` that the start loaded. */
  stored_requests?: number;
  stopped: "exited" | "killed";
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

export async function measureStart(root: string, timeoutMs = 10 * 60_000): Promise<StartResult> {
  const port = await freePort();
  const state = fs.existsSync(path.join(root, ".plinth", "state")) ? "existing" : "fresh";
  const t0 = nowMs();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PLINTH_PORT: String(port) },
  });
  let out = "";
  let err = "";
  let lineAt: number | undefined;
  let healthAt: number | undefined;
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (lineAt === undefined && /Plinth is running at http/.test(out)) lineAt = nowMs();
  });
  child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  let exitCode: number | null | undefined;
  child.on("exit", (code) => (exitCode = code));
  let stopped: "exited" | "killed";
  try {
    while (lineAt === undefined || healthAt === undefined) {
      if (exitCode !== undefined) throw new Error(`npm start exited with ${exitCode} before ready:\n${err.trim()}`);
      if (nowMs() - t0 > timeoutMs) throw new Error(`npm start not ready after ${timeoutMs} ms:\n${err.trim()}`);
      if (healthAt === undefined && (await healthy(port))) healthAt = nowMs();
      await new Promise((r) => setTimeout(r, 50));
    }
    // Let it finish printing its banner (the stored-requests line comes after the ready line).
    for (const t = nowMs(); !/Press Ctrl-C/.test(out) && nowMs() - t < 3000; ) await new Promise((r) => setTimeout(r, 50));
  } finally {
    stopped = await stopGroup(child);
  }
  const num = (re: RegExp, text: string) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const seconds = round((Math.max(lineAt, healthAt) - t0) / 1000, 2);
  const readyIn = num(/\(ready in ([\d.]+) s\)/, out);
  return {
    seconds,
    line_s: round((lineAt - t0) / 1000, 2),
    healthz_s: round((healthAt - t0) / 1000, 2),
    state,
    up_s: num(/platform up in ([\d.]+) s/, err),
    ready_in_s: readyIn,
    boot_s: readyIn === undefined ? undefined : round(seconds - readyIn, 2),
    stored_requests: num(/Requests\s+(\d+) stored/, out),
    stopped,
  };
}
