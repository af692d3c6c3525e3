/**
 * Resident memory of this process (where the service runs) and, separately, of its descendants (the
 * `pulumi` CLI processes the engine spawns per operation), sampled on an interval. Descendants are read
 * from `/proc/<pid>/task/<tid>/children` (Linux); elsewhere they are reported as 0.
 */
import * as fs from "node:fs";

const PAGE = 4096;

/** Pids of every live descendant of `pid` (children first, depth-first). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let text: string;
      try {
        text = fs.readFileSync(`/proc/${p}/task/${t}/children`, "utf8");
      } catch {
        continue;
      }
      for (const c of text.split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

/** Resident bytes of `pid` from /proc/<pid>/statm (0 when it has exited). */
export function rssOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/statm`, "utf8").trim().split(/\s+/);
    return Number(fields[1]) * PAGE;
  } catch {
    return 0;
  }
}

export interface RssWindow {
  /** Peak RSS of this process in the window, MB. */
  selfPeakMb: number;
  /** Peak of the summed RSS of all descendants at one sample, MB. */
  childrenPeakMb: number;
  /** Peak of self + descendants at one sample, MB. */
  totalPeakMb: number;
  /** Most descendants alive at one sample. */
  maxChildren: number;
  samples: number;
}

const MB = 1024 * 1024;

/** Samples every `intervalMs` until `stop()`, which answers the peaks seen. */
export function sampleRss(intervalMs = 100): { stop(): RssWindow } {
  const w: RssWindow = { selfPeakMb: 0, childrenPeakMb: 0, totalPeakMb: 0, maxChildren: 0, samples: 0 };
  const take = () => {
    const self = process.memoryUsage().rss;
    const kids = descendants(process.pid);
    const children = kids.reduce((sum, p) => sum + rssOf(p), 0);
    w.selfPeakMb = Math.max(w.selfPeakMb, self / MB);
    w.childrenPeakMb = Math.max(w.childrenPeakMb, children / MB);
    w.totalPeakMb = Math.max(w.totalPeakMb, (self + children) / MB);
    w.maxChildren = Math.max(w.maxChildren, kids.length);
    w.samples++;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return w;
    },
  };
}
