/**
 * CPU time of this process (the service runs in it) and of its reaped descendants (the `pulumi` CLI
 * runs, git), from /proc/self/stat (Linux; elsewhere undefined). CPU-seconds depend far less on the
 * machine's load than wall time does, so the bench reports them per request next to the latencies.
 */
import * as fs from "node:fs";
import * as os from "node:os";

export interface CpuTimes {
  /** This process: user + system, seconds. */
  self: number;
  /** Descendants that have exited and were waited for: user + system, seconds. */
  children: number;
}

const TICK = 100; // USER_HZ on Linux

/** Parses /proc/<pid>/stat (the command may hold spaces and parentheses: fields start after the last ")"). */
export function parseStat(text: string): CpuTimes {
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the command: state(0) … utime(11) stime(12) cutime(13) cstime(14).
  const n = (i: number) => Number(f[i]) / TICK;
  return { self: n(11) + n(12), children: n(13) + n(14) };
}

export function cpuTimes(): CpuTimes | undefined {
  if (os.platform() !== "linux") return undefined;
  try {
    return parseStat(fs.readFileSync("/proc/self/stat", "utf8"));
  } catch {
    return undefined;
  }
}

/** CPU-seconds per request between two readings: service, CLI/children, total. */
export function cpuPerRequest(before: CpuTimes | undefined, after: CpuTimes | undefined, n: number): Record<string, number> {
  if (!before || !after || n <= 0) return {};
  const r = (x: number) => Math.round((x / n) * 1000) / 1000;
  const self = after.self - before.self;
  const children = after.children - before.children;
  return { cpu_s_per_request: r(self + children), cpu_service_s: r(self), cpu_children_s: r(children) };
}
