/**
 * Test harness: a whole local platform (HTTP server with the embedded Git store, in-process provider,
 * lean engine) in a temp dir, plus a git CLI clone helper. One platform per test file (the provider is
 * served once per process).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalPlatform } from "../../stacks/local-platform/local-platform";
import { enginePids } from "../../service/engine/processes";
import { pinnedToolchain } from "./pulumi";
import type { AnyPromise } from "../../components/promise/types";

export interface TestPlatform {
  platform: LocalPlatform;
  dir: string;
  /** `git clone` of a store with the git CLI into a fresh dir; returns the work tree path. */
  clone(store?: string): Promise<string>;
  /** Head commit of a store's branch as the git CLI sees it ("" when none). */
  head(store?: string): Promise<string>;
  cleanup(): Promise<void>;
}

const run = promisify(execFile);

export async function startTestPlatform(opts: { catalogue?: Readonly<Record<string, AnyPromise>> } = {}): Promise<TestPlatform> {
  const toolchain = await pinnedToolchain();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-platform-"));
  const platform = await LocalPlatform.start({ dataDir: path.join(dir, "data"), toolchain, port: 0, catalogue: opts.catalogue });
  let n = 0;
  const authUrl = (store: string) => platform.gitUrl(store).replace("http://", `http://${platform.gitUser}:${platform.gitPassword}@`);
  const env = { ...process.env, GIT_TERMINAL_PROMPT: "0" };
  return {
    platform,
    dir,
    // Async on purpose: the Git server runs in this process, so a synchronous git call would deadlock.
    async clone(store = "default") {
      const target = path.join(dir, `clone-${++n}`);
      await run("git", ["clone", "-q", authUrl(store), target], { env });
      return target;
    },
    async head(store = "default") {
      const { stdout } = await run("git", ["ls-remote", authUrl(store), "refs/heads/main"], { env });
      return stdout.split(/\s/)[0] ?? "";
    },
    async cleanup() {
      await platform.stop();
      await removeDir(dir);
    },
  };
}

/**
 * Removes a platform's data dir. An engine run the stopped service had started may still be finishing and
 * create its log under pulumi-home/logs while the directory is removed (ENOTEMPTY). `rmSync`'s own retries
 * cannot help: they block the event loop (the CLI child is not reaped) and do not list the directory again.
 * So: wait for this process's engine runs to exit, and retry the whole removal asynchronously.
 */
export async function removeDir(dir: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    while ([...enginePids()].length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY" || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Every file under `root` (relative paths, sorted), ignoring `.git`. */
export function treeOf(root: string, sub = ""): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk(sub);
  return out.sort();
}
