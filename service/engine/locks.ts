/**
 * Stack locks of Pulumi's file backend (`<backend>/.pulumi/locks/…/<stack>/<id>.json`, content
 * `{pid, username, hostname, timestamp}`) treated as leases: while this process runs an operation, it
 * touches its lock file every `leaseMs / 4` (the heartbeat), so a lock whose file has not been touched for
 * `leaseMs` belongs to a replica that is gone, wherever it ran. A lock of this host is also gone as soon
 * as its pid is.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Default lease: a lock untouched this long is stale. */
export const DEFAULT_LOCK_LEASE_MS = 2 * 60 * 1000;

export interface LockFile {
  file: string;
  pid: number;
  hostname: string;
  /** Last heartbeat (the file's mtime). */
  touchedMs: number;
}

/** Paths of the files in `stack`'s directories under a file backend's `.pulumi/locks` (unreadable dirs skipped). */
function stackLockPaths(backendDir: string, stack: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (path.basename(dir) === stack) out.push(p);
    }
  };
  visit(path.join(backendDir, ".pulumi", "locks"));
  return out;
}

/** The lock files of `stack` under a file backend's directory (unreadable ones are skipped). */
export function lockFiles(backendDir: string, stack: string): LockFile[] {
  const out: LockFile[] = [];
  for (const p of stackLockPaths(backendDir, stack).filter((f) => f.endsWith(".json"))) {
    try {
      const lock = JSON.parse(fs.readFileSync(p, "utf8")) as { pid: number; hostname: string };
      out.push({ file: p, pid: lock.pid, hostname: lock.hostname, touchedMs: fs.statSync(p).mtimeMs });
    } catch {
      /* being written or removed: not ours to judge */
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `pid` runs a Pulumi CLI (Linux: /proc; elsewhere assumed, so a live pid is trusted). */
function runsPulumi(pid: number): boolean {
  try {
    return /pulumi/.test(fs.readFileSync(`/proc/${pid}/comm`, "utf8"));
  } catch {
    return !fs.existsSync("/proc/self");
  }
}

/**
 * Whether a lock is stale. Another host's: its lease ran out (not touched for `leaseMs`). This host's:
 * its pid is gone, or its lease ran out and the pid (reused, e.g. after a container restart) is no
 * Pulumi CLI.
 */
export function isStale(lock: LockFile, opts: { leaseMs: number; now?: number; hostname?: string }): boolean {
  const expired = (opts.now ?? Date.now()) - lock.touchedMs > opts.leaseMs;
  if (lock.hostname !== (opts.hostname ?? os.hostname())) return expired;
  return !alive(lock.pid) || (expired && !runsPulumi(lock.pid));
}

/** Attribute sidecars (`<id>.json.attrs`) of `stack`'s locks whose lock is gone (a CLI killed while it unlocked). */
function orphanSidecars(backendDir: string, stack: string): string[] {
  return stackLockPaths(backendDir, stack).filter((p) => p.endsWith(".json.attrs") && !fs.existsSync(p.slice(0, -".attrs".length)));
}

/** Removes the stale locks of `stack` (and sidecars left without their lock); returns the locks. */
export function clearStaleLocks(backendDir: string, stack: string, leaseMs: number): LockFile[] {
  for (const f of orphanSidecars(backendDir, stack)) fs.rmSync(f, { force: true });
  const removed: LockFile[] = [];
  for (const lock of lockFiles(backendDir, stack)) {
    if (!isStale(lock, { leaseMs })) continue;
    fs.rmSync(lock.file, { force: true });
    // The file backend (gocloud fileblob) keeps a blob's attributes beside it: remove that as well.
    fs.rmSync(`${lock.file}.attrs`, { force: true });
    removed.push(lock);
  }
  return removed;
}

/**
 * Keeps the lock of the CLI process `pid` (on `stack`) fresh while it runs: touches it every
 * `leaseMs / 4`. Returns the function that stops the heartbeat.
 */
export function heartbeat(backendDir: string, stack: string, pid: number, leaseMs: number): () => void {
  const host = os.hostname();
  const beat = (): void => {
    const now = new Date();
    for (const lock of lockFiles(backendDir, stack)) {
      if (lock.pid !== pid || lock.hostname !== host) continue;
      try {
        fs.utimesSync(lock.file, now, now);
      } catch {
        /* released meanwhile */
      }
    }
  };
  const timer = setInterval(beat, Math.max(50, Math.floor(leaseMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}
