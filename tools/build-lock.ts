/** A lock file so concurrent callers (parallel test files) build a cached tool only once. */
import * as fs from "node:fs";

/**
 * Takes `lock` (created exclusively), or returns undefined as soon as `done()` says another process
 * finished the work. A lock older than `staleMs` is taken to belong to a dead builder and removed.
 */
export async function acquireBuildLock(lock: string, done: () => boolean, staleMs = 30 * 60_000): Promise<number | undefined> {
  for (;;) {
    try {
      return fs.openSync(lock, "wx");
    } catch {
      if (done()) return undefined;
      await new Promise((r) => setTimeout(r, 1000));
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > staleMs) fs.rmSync(lock, { force: true });
      } catch {
        /* lock vanished: retry */
      }
    }
  }
}
