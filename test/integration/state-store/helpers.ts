/** Helpers for state-store integration tests: the real git CLI, run asynchronously (the server is in-process). */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { cleanGitEnv } from "../../../components/state-store/bare-repo";

const run = promisify(execFile);

export async function gitCli(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: { ...cleanGitEnv(), GIT_TERMINAL_PROMPT: "0" }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export function withCreds(url: string, username: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}

const made: string[] = [];
process.once("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp dir, removed when the test process exits. */
export async function tempDir(prefix: string): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

async function walk(root: string, rel = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    if (!rel && e.name === ".git") continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, await walk(root, r));
    else out[r] = await fs.readFile(path.join(root, r), "utf8");
  }
  return out;
}

export interface CloneView {
  files: Record<string, string>;
  head: string;
  commits: number;
  subjects: string[];
}

/** Clones with the git CLI and returns every file (path → content), the head and the commit count. */
export async function cloneWithCli(url: string, username: string, password: string): Promise<CloneView> {
  const dir = await tempDir("plinth-clone-");
  try {
    await gitCli(["clone", "--quiet", withCreds(url, username, password), dir]);
    const head = (await gitCli(["rev-parse", "HEAD"], dir)).trim();
    const commits = Number((await gitCli(["rev-list", "--count", "HEAD"], dir)).trim());
    const subjects = (await gitCli(["log", "--format=%s"], dir)).trim().split("\n");
    await gitCli(["fsck", "--strict", "--no-progress"], dir);
    return { files: await walk(dir), head, commits, subjects };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Files under `prefix/` of a clone view, relative to it. */
export function under(files: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(files)) if (k.startsWith(prefix + "/")) out[k.slice(prefix.length + 1)] = v;
  return out;
}
