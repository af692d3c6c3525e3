/**
 * The same two remote operations as remote.ts, for a bare repository on this machine (the embedded
 * store): the writer's object store *is* that repository, so there is nothing to fetch or send; the
 * branch moves with `git update-ref <new> <old>`, a compare-and-swap under git's own ref lock, exactly as
 * receive-pack would do it, without the HTTP round trip and the receive-pack/index-pack processes.
 */
import { execFile } from "node:child_process";
import * as git from "isomorphic-git";
import type { PushOutcome, RefUpdate, RemoteContext } from "./remote";
import { cleanGitEnv } from "./bare-repo";

const ZERO = "0000000000000000000000000000000000000000";

export async function readLocalBranch(ctx: RemoteContext, branch: string): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref: `refs/heads/${branch}` });
  } catch {
    return undefined;
  }
}

export async function readLocalRef(ctx: RemoteContext, ref: string): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref });
  } catch {
    return undefined;
  }
}

/**
 * Moves the branch (compare-and-swap) and `refs` in one `git update-ref --stdin` transaction: all of
 * them or none.
 */
export function updateLocalRefs(ctx: RemoteContext, branch: string, oldOid: string | undefined, newOid: string, refs: readonly RefUpdate[]): Promise<PushOutcome> {
  if (refs.length === 0) return updateLocalBranch(ctx, branch, oldOid, newOid);
  const lines = ["start", `update refs/heads/${branch} ${newOid} ${oldOid ?? ZERO}`, ...refs.map((r) => (r.value ? `update ${r.ref} ${r.value}` : `delete ${r.ref}`)), "prepare", "commit", ""];
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["update-ref", "-m", "plinth", "--stdin"],
      { cwd: ctx.gitdir, env: { ...cleanGitEnv(), GIT_DIR: ctx.gitdir } },
      (err, _stdout, stderr) => {
        if (!err) return resolve({ ok: true });
        if (/but expected|already exists|cannot lock ref|is at .* but expected/i.test(stderr)) return resolve({ ok: false, reason: stderr.trim() });
        reject(new Error(`git update-ref failed: ${stderr.trim() || err.message}`));
      },
    );
    child.stdin?.end(lines.join("\n"));
  });
}

export function updateLocalBranch(ctx: RemoteContext, branch: string, oldOid: string | undefined, newOid: string): Promise<PushOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["update-ref", "-m", "plinth", `refs/heads/${branch}`, newOid, oldOid ?? ZERO],
      { cwd: ctx.gitdir, env: { ...cleanGitEnv(), GIT_DIR: ctx.gitdir } },
      (err, _stdout, stderr) => {
        if (!err) return resolve({ ok: true });
        if (/but expected|already exists|cannot lock ref/i.test(stderr)) return resolve({ ok: false, reason: stderr.trim() });
        reject(new Error(`git update-ref failed: ${stderr.trim() || err.message}`));
      },
    );
  });
}
