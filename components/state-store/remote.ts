/**
 * Talking to the Git remote over smart HTTP. Fetch is isomorphic-git's `fetch` into the local bare cache.
 * Push is a single compare-and-swap `git-receive-pack` request carrying exactly the objects the caller
 * wrote (a packfile from isomorphic-git's `packObjects`): isomorphic-git's own `push` walks the whole
 * tree of the new commit to find what to send, which would make every commit cost O(repository).
 */
import * as git from "isomorphic-git";
import type { HttpClient } from "isomorphic-git";
import { PlinthError } from "../errors";
import { authFailed, remoteFailed, unreachable } from "./errors";
import type { ObjectStore } from "./tree-editor";

export type GitAuth = { username: string; password: string } | { token: string };

export interface RemoteContext extends ObjectStore {
  url: string;
  http: HttpClient;
  auth?: GitAuth;
}

const ZERO = "0000000000000000000000000000000000000000";

/** Request headers carrying the credentials (sent up front, so no 401 round trip per request). */
export function authHeaders(auth: GitAuth | undefined): Record<string, string> {
  if (!auth) return {};
  const [user, pass] = "token" in auth ? ["x-access-token", auth.token] : [auth.username, auth.password];
  return { Authorization: `Basic ${Buffer.from(`${user}:${pass}`, "utf8").toString("base64")}` };
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ECONNABORTED"]);

function scrub(text: string, ctx: RemoteContext): string {
  let out = text;
  if (ctx.auth) {
    const secret = "token" in ctx.auth ? ctx.auth.token : ctx.auth.password;
    if (secret) out = out.split(secret).join("***");
  }
  return out.replace(/\/\/[^@/\s]*@/g, "//");
}

/** Maps whatever fetch/push threw to a state-store RemoteError naming the remote (never the secret). */
export function toRemoteError(ctx: RemoteContext, err: unknown): PlinthError {
  if (err instanceof PlinthError) return err;
  const e = err as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string } };
  const status = e?.code === "HttpError" ? e.data?.statusCode : undefined;
  if (status === 401 || status === 403) return authFailed(ctx.url, status);
  if (status === 404) return unreachable(ctx.url, "repository not found (HTTP 404)");
  if (status !== undefined) return remoteFailed(ctx.url, `HTTP ${status} ${e.data?.statusMessage ?? ""}`.trim());
  if (e?.code && NETWORK_CODES.has(e.code)) return unreachable(ctx.url, e.code);
  if (e?.code === "SmartHttpError") return unreachable(ctx.url, "the URL does not serve smart-HTTP Git");
  return remoteFailed(ctx.url, scrub(e?.message ?? String(err), ctx));
}

/**
 * Fetches `branch` into the cache and points the local `refs/heads/<branch>` at it. Returns the remote
 * head, or undefined when the remote has no such branch yet (empty repository).
 */
export async function fetchBranch(ctx: RemoteContext, branch: string): Promise<string | undefined> {
  let head: string | null | undefined;
  try {
    const res = await git.fetch({
      fs: ctx.fs,
      http: ctx.http,
      gitdir: ctx.gitdir,
      cache: ctx.cache,
      url: ctx.url,
      ref: branch,
      remoteRef: branch,
      singleBranch: true,
      tags: false,
      headers: authHeaders(ctx.auth),
    });
    head = res.fetchHead;
  } catch (err) {
    if ((err as { code?: string }).code === "NotFoundError") return undefined; // other branches exist, ours not yet
    throw toRemoteError(ctx, err);
  }
  if (!head) return undefined;
  await git.writeRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref: `refs/heads/${branch}`, value: head, force: true });
  return head;
}

function pktLine(s: string): Buffer {
  const body = Buffer.from(s, "utf8");
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, "0"), "ascii"), body]);
}

/** Splits a pkt-line stream into its payload lines (flush packets dropped). */
export function parsePktLines(buf: Buffer): string[] {
  const lines: string[] = [];
  let i = 0;
  while (i + 4 <= buf.length) {
    const len = parseInt(buf.subarray(i, i + 4).toString("ascii"), 16);
    if (Number.isNaN(len)) break;
    if (len === 0) {
      i += 4;
      continue;
    }
    lines.push(buf.subarray(i + 4, i + len).toString("utf8").replace(/\n$/, ""));
    i += len;
  }
  return lines;
}

async function* chunksOf(chunks: Uint8Array[]): AsyncIterableIterator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** Another ref moved (value) or deleted (undefined) with the branch, unconditionally. */
export interface RefUpdate {
  ref: string;
  value: string | undefined;
}

export type PushOutcome = { ok: true } | { ok: false; reason: string };

/**
 * Moves the remote `branch` from `oldOid` (undefined: the branch must not exist yet) to `newOid`, sending
 * `objects`. The server applies the update only if the branch still is `oldOid` (compare and swap), so a
 * concurrent writer's commit is never overwritten; then `{ ok: false }` says to refetch and retry.
 */
export async function pushBranch(ctx: RemoteContext, branch: string, oldOid: string | undefined, newOid: string, objects: string[], refs: readonly RefUpdate[] = []): Promise<PushOutcome> {
  const ref = `refs/heads/${branch}`;
  // Other refs (scope branches) move in the same atomic push, unconditionally: the branch's CAS orders them.
  const current = refs.length ? await listRemoteRefs(ctx, "refs/heads/plinth/") : new Map<string, string>();
  const others = refs.map((r) => ({ ...r, old: current.get(r.ref) }));
  let statusCode: number;
  let body: Buffer;
  try {
    const { packfile } = await git.packObjects({ fs: ctx.fs, gitdir: ctx.gitdir, cache: ctx.cache, oids: objects });
    const command = Buffer.concat([
      pktLine(`${oldOid ?? ZERO} ${newOid} ${ref}\0 report-status${others.length ? " atomic" : ""} agent=plinth\n`),
      ...others.filter((o) => o.old !== o.value).map((o) => pktLine(`${o.old ?? ZERO} ${o.value ?? ZERO} ${o.ref}\n`)),
    ]);
    const res = await ctx.http.request({
      url: `${ctx.url.replace(/\/+$/, "")}/git-receive-pack`,
      method: "POST",
      headers: {
        "Content-Type": "application/x-git-receive-pack-request",
        Accept: "application/x-git-receive-pack-result",
        ...authHeaders(ctx.auth),
      },
      body: chunksOf([command, Buffer.from("0000", "ascii"), Buffer.from(packfile!)]),
    });
    statusCode = res.statusCode;
    const chunks: Buffer[] = [];
    if (res.body) for await (const c of res.body) chunks.push(Buffer.from(c));
    body = Buffer.concat(chunks);
  } catch (err) {
    throw toRemoteError(ctx, err);
  }
  if (statusCode === 401 || statusCode === 403) throw authFailed(ctx.url, statusCode);
  if (statusCode === 404) throw unreachable(ctx.url, "repository not found (HTTP 404)");
  if (statusCode !== 200) throw remoteFailed(ctx.url, `push answered HTTP ${statusCode}: ${scrub(body.toString("utf8").slice(0, 200), ctx)}`);
  const lines = parsePktLines(body);
  const unpack = lines.find((l) => l.startsWith("unpack "));
  if (unpack !== "unpack ok") throw remoteFailed(ctx.url, `push was not unpacked: ${unpack ?? "no report"}`);
  const status = lines.find((l) => l === `ok ${ref}` || l.startsWith(`ng ${ref} `));
  if (status?.startsWith("ok ")) {
    await git.writeRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref, value: newOid, force: true });
    return { ok: true };
  }
  return { ok: false, reason: status ? status.slice(`ng ${ref} `.length) : "no status for the branch" };
}

/** The remote's refs starting with `prefix` (one ref advertisement): ref → commit. */
export async function listRemoteRefs(ctx: RemoteContext, prefix: string): Promise<Map<string, string>> {
  try {
    const refs = await git.listServerRefs({ http: ctx.http, url: ctx.url, prefix, headers: authHeaders(ctx.auth) });
    return new Map(refs.map((r) => [r.ref, r.oid]));
  } catch (err) {
    throw toRemoteError(ctx, err);
  }
}

/** The commit `ref` points at on the remote, or undefined. */
export async function listRemoteRef(ctx: RemoteContext, ref: string): Promise<string | undefined> {
  return (await listRemoteRefs(ctx, ref)).get(ref);
}
