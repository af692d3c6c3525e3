/**
 * Child processes of a local cluster: spawned with a minimal environment, output appended to
 * `<logDir>/<name>.log`, polled until ready, stopped by pid only (SIGTERM, then SIGKILL) in reverse start
 * order. While any child lives, a `process.on("exit")` hook SIGKILLs the survivors synchronously so a
 * crashed parent leaves nothing running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { HTTP_STATUS, PlinthError } from "../../components/errors";

export interface Child {
  name: string;
  proc: ChildProcess;
  logPath: string;
  /** Resolves when the process has exited (or failed to spawn). */
  exited: Promise<void>;
}

export function alive(c: Child): boolean {
  return c.proc.pid !== undefined && c.proc.exitCode === null && c.proc.signalCode === null;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last `n` lines of a log file ("" when unreadable). Reads at most the last 64 KiB. */
export function logTail(file: string, n = 20): string {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString("utf8").trimEnd().split("\n").slice(-n).join("\n");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "";
  }
}

/** One GET with a 2 s timeout and no connection reuse; `caPem`/`token` for https. Never rejects on HTTP status. */
export function httpGet(url: string, o: { caPem?: string; token?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    const headers: Record<string, string> = o.token ? { Authorization: `Bearer ${o.token}` } : {};
    const req = mod.request(
      { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: "GET", headers, agent: false, timeout: 2000, ...(o.caPem ? { ca: o.caPem } : {}) },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** Only what the binaries need; a stray ETCD_* or KUBECONFIG in the parent's environment must not leak in. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG", "TZ"]) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

export interface ChildGroupOptions {
  logDir: string;
  /** Prefix of progress lines, e.g. "cluster dev". */
  prefix: string;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL (default 10 s). */
  killAfterMs?: number;
}

export class ChildGroup {
  readonly children: Child[] = [];
  /** Seconds from spawn to ready, by child name. */
  readonly timings: Record<string, number> = {};
  private hooked = false;
  private readonly onExit = (): void => {
    for (const c of this.children) {
      if (!alive(c)) continue;
      try {
        process.kill(c.proc.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  };

  constructor(private readonly o: ChildGroupOptions) {}

  /** Starts `bin args` with `extraEnv` on top of a minimal environment; stdout and stderr append to `<name>.log`. */
  spawn(name: string, bin: string, args: string[], extraEnv: Record<string, string> = {}): Child {
    if (this.o.signal?.aborted) throw new PlinthError("ClusterAborted", `${this.o.prefix}: aborted before ${name} started`, undefined, HTTP_STATUS.aborted);
    const logPath = path.join(this.o.logDir, `${name}.log`);
    const fd = fs.openSync(logPath, "a", 0o600);
    let proc: ChildProcess;
    try {
      fs.writeSync(fd, `\n=== ${new Date().toISOString()} ${bin} ${args.join(" ")}\n`);
      proc = spawn(bin, args, { stdio: ["ignore", fd, fd], env: { ...baseEnv(), ...extraEnv } });
    } finally {
      fs.closeSync(fd);
    }
    const exited = new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.once("error", (err) => {
        fs.appendFileSync(logPath, `=== spawn failed: ${err.message}\n`);
        resolve();
      });
    });
    const child: Child = { name, proc, logPath, exited };
    this.children.push(child);
    if (!this.hooked) {
      process.on("exit", this.onExit);
      this.hooked = true;
    }
    return child;
  }

  /**
   * Polls `check` every 200 ms until it resolves true. Rejects when the child exits first (with the last
   * 20 lines of its log), on timeout, or when the signal aborts.
   */
  async waitReady(c: Child, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
    const t0 = Date.now();
    const fail = (code: string, why: string): PlinthError => {
      const tail = logTail(c.logPath);
      return new PlinthError(code, `${this.o.prefix}: ${c.name} ${why}; see ${c.logPath}${tail ? `; last log lines:\n${tail}` : ""}`, { process: c.name, log: c.logPath }, HTTP_STATUS.busy);
    };
    for (;;) {
      if (this.o.signal?.aborted) throw new PlinthError("ClusterAborted", `${this.o.prefix}: aborted while waiting for ${c.name}`, undefined, HTTP_STATUS.aborted);
      if (!alive(c)) {
        await Promise.race([c.exited, sleep(500)]);
        const how = c.proc.signalCode ? `signal ${c.proc.signalCode}` : `code ${c.proc.exitCode ?? "?"}`;
        throw fail("ClusterProcessExited", `exited (${how}) before it was ready`);
      }
      if (await check().catch(() => false)) {
        const secs = (Date.now() - t0) / 1000;
        this.timings[c.name] = secs;
        this.o.log(`${this.o.prefix}: ${c.name} ready in ${secs.toFixed(1)} s (pid ${c.proc.pid})`);
        return secs;
      }
      if (Date.now() - t0 > timeoutMs) throw fail("ClusterProcessNotReady", `was not ready within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(200);
    }
  }

  /** Pid of the live child started as `name`, if any. */
  pidOf(name: string): number | undefined {
    return this.children.find((c) => c.name === name && alive(c))?.proc.pid;
  }

  pids(): number[] {
    return this.children.filter(alive).map((c) => c.proc.pid!);
  }

  /** SIGTERM each live child in reverse start order, SIGKILL after the grace period, wait for every exit. */
  async stopAll(): Promise<void> {
    const grace = this.o.killAfterMs ?? 10_000;
    for (const c of [...this.children].reverse()) {
      if (!alive(c)) {
        await c.exited;
        continue;
      }
      const t0 = Date.now();
      c.proc.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([c.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), grace)))]);
      clearTimeout(timer);
      if (timedOut && alive(c)) {
        c.proc.kill("SIGKILL");
        await c.exited;
      }
      this.o.log(`${this.o.prefix}: ${c.name} stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s${timedOut ? " (SIGKILL)" : ""}`);
    }
    if (this.hooked) {
      process.removeListener("exit", this.onExit);
      this.hooked = false;
    }
  }
}
