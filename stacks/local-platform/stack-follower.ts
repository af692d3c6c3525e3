/**
 * Following the platform stack: a `pulumi up` (or destroy) of the platform stack run by another process —
 * the platform team's command line — ends with a new entry in the stack's update history of the `file://`
 * backend. The follower polls that history directory and calls `onUpdate` once per new entry, so the
 * running service reloads its registry without a restart. Our own updates are marked seen.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The history directory of `project`/`stack` in a `file://` backend directory. */
export function historyDir(backendDir: string, project: string, stack: string): string {
  return path.join(backendDir, ".pulumi", "history", project, stack);
}

/** The newest update record of a history directory (file names sort by their timestamp), if any. */
export function latestUpdate(dir: string): string | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.history\.json(\.gz|\.zst)?$/.test(n));
  } catch {
    return undefined;
  }
  const stamp = (n: string) => BigInt(/-(\d+)\.history\.json/.exec(n)?.[1] ?? 0);
  return names.sort((a, b) => (stamp(a) < stamp(b) ? -1 : stamp(a) > stamp(b) ? 1 : a.localeCompare(b))).pop();
}

export interface StackFollowerOptions {
  dir: string;
  intervalMs: number;
  /** True while this process runs its own update (those are not reloads). */
  busy: () => boolean;
  onUpdate: () => Promise<void>;
  log?: (line: string) => void;
}

export class StackFollower {
  private seen: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: StackFollowerOptions) {
    this.seen = latestUpdate(options.dir);
  }

  /** The current history is ours (call after this process's own update). */
  markSeen(): void {
    this.seen = latestUpdate(this.options.dir);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One poll: runs `onUpdate` when a new update finished since the last one seen. */
  async poll(): Promise<void> {
    if (this.running || this.options.busy()) return;
    const latest = latestUpdate(this.options.dir);
    if (latest === undefined || latest === this.seen) return;
    this.seen = latest;
    this.running = this.options.onUpdate().catch((err: Error) => this.options.log?.(`platform stack reload failed: ${err.message}`));
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
