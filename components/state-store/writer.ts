/**
 * GitWriter: writes whole directories of a Git State Store with isomorphic-git's object API against a
 * local bare cache (no working tree). Each batch: rebuild only the trees on the changed paths from the
 * remote head → commit → compare-and-swap push of just the new objects; a rejected push refetches and
 * retries with jittered backoff, so concurrent writers (processes, replicas) never lose a write.
 * Operations queued while a batch is in flight go out together as the next single commit (group commit).
 */
import * as nodeFs from "node:fs";
import { posix } from "node:path";
import * as git from "isomorphic-git";
import type { HttpClient } from "isomorphic-git";
import nodeHttp from "isomorphic-git/http/node";
import { ValidationError } from "../errors";
import { contended } from "./errors";
import { splitSafePath } from "./paths";
import type { HealthChecks } from "./flux-index";
import { fetchBranch, pushBranch, type GitAuth, type RemoteContext } from "./remote";
import { readLocalBranch } from "./local-remote";
import { TreeEditor, toFileTree, type FileTree } from "./tree-editor";
import type { FluxIndexOptions } from "./flux-index";
import { fluxIndexer } from "./flux-indexer";
import { kustomizationIndexer } from "./kustomization-indexer";
import { conflictsWithScopeBranches, scopeOf } from "./scope-refs";
import { isolated, scopeRef, scopeRefUpdates } from "./scope-updates";
import { cutScopeCommits, mainCommitOf } from "./scope-commits";
import { readLocalRef, updateLocalRefs } from "./local-remote";
import { listRemoteRef } from "./remote";
import type { IndexContext, StateStoreIndexer, StateStoreWriter, WriteResult } from "./state-store-writer";

export type { WriteResult, StateStoreWriter } from "./state-store-writer";

export interface GitWriterOptions {
  /** Smart-HTTP(S) URL of the repository, without credentials. */
  url: string;
  branch?: string;
  /** Store path prefix inside the repository, e.g. "platform/state". "" = repository root. */
  basePath?: string;
  auth?: GitAuth;
  /**
   * The remote is a bare repository on this machine at this path (the embedded store): objects are
   * written straight into it and the branch moves by compare-and-swap `git update-ref`; `cacheDir` is
   * then unused. `url` stays what users and Flux clone.
   */
  localRepo?: string;
  /** Local bare cache gitdir; one per writer instance (not shared between live writers). */
  cacheDir: string;
  author?: { name: string; email: string };
  fs?: typeof nodeFs;
  http?: HttpClient;
  /**
   * Keep Kratix-layout index files: every directory from a destination's `dependencies/` or `resources/`
   * down to a placement holds a `kustomization.yaml` listing the directories below it (off by default).
   */
  indexKustomizations?: boolean;
  /**
   * The indexers run in each commit (default: the Kratix kustomization index, then the per-request Flux
   * index): on a destination root always, after writes and removals with `indexKustomizations`.
   */
  indexers?: StateStoreIndexer[];
  /** Push attempts per batch before giving up with StateStoreContended. */
  maxAttempts?: number;
}

type Op =
  | { kind: "write"; dir: string; segments: string[]; files: FileTree; serviceAccountName?: string; health?: HealthChecks }
  | { kind: "remove"; dir: string; segments: string[] }
  | { kind: "root"; dir: string; segments: string[]; flux?: FluxIndexOptions }
  | { kind: "replace"; dir: string; segments: string[]; files: Record<string, { from: string; to: string }> };

interface Pending {
  op: Op;
  resolve(r: WriteResult): void;
  reject(e: unknown): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class GitWriter implements StateStoreWriter {
  readonly url: string;
  readonly branch: string;
  readonly basePath: string;
  private readonly base: string[];
  private readonly ctx: RemoteContext;
  private readonly author: { name: string; email: string };
  private readonly maxAttempts: number;
  private readonly indexKustomizations: boolean;
  private readonly indexers: StateStoreIndexer[];
  private readonly local: boolean;
  private readonly fs: typeof nodeFs;
  private queue: Pending[] = [];
  private draining = false;
  private lock: Promise<unknown> = Promise.resolve();
  private ready: Promise<void> | undefined;
  /** Last remote head seen (fetched or pushed); meaningful once `headKnown`. */
  private knownHead: string | undefined;
  private headKnown = false;
  /** Number of commits this writer pushed (for tests and metrics). */
  commitsPushed = 0;
  /** Number of pushes the remote refused because another writer moved the branch first. */
  pushRejections = 0;

  constructor(options: GitWriterOptions) {
    this.url = options.url;
    this.branch = options.branch ?? "main";
    this.basePath = (options.basePath ?? "").replace(/^\/+|\/+$/g, "");
    this.base = splitSafePath("basePath", this.basePath, true);
    this.author = options.author ?? { name: "Plinth", email: "plinth@localhost" };
    this.maxAttempts = options.maxAttempts ?? 10;
    this.indexKustomizations = options.indexKustomizations ?? false;
    this.indexers = options.indexers ?? [kustomizationIndexer, fluxIndexer];
    if (conflictsWithScopeBranches(this.branch)) {
      const message = `"${this.branch}" is where Plinth keeps its scope branches (plinth/…); use another branch such as main`;
      throw new ValidationError(`branch: ${message}`, [{ path: ["branch"], message }]);
    }
    this.local = options.localRepo !== undefined;
    this.fs = options.fs ?? nodeFs;
    this.ctx = {
      url: options.url,
      auth: options.auth,
      fs: this.fs,
      http: options.http ?? nodeHttp,
      gitdir: options.localRepo ?? options.cacheDir,
      cache: {},
    };
  }

  /** The directory `basePath/dir` becomes exactly `files` (relative paths, nested allowed). */
  /**
   * `serviceAccountName`: for a request's directory on a destination with a flux index, the account its
   * Kustomization applies as (the request's team; see flux-index.ts).
   */
  async writeDirectory(args: { dir: string; files: Record<string, string>; serviceAccountName?: string; health?: HealthChecks }): Promise<WriteResult> {
    const segments = splitSafePath("dir", args.dir);
    for (const [path, content] of Object.entries(args.files ?? {})) {
      splitSafePath(`files[${JSON.stringify(path)}]`, path);
      if (typeof content !== "string") {
        const message = `content of ${JSON.stringify(path)} must be a string, got ${typeof content}`;
        throw new ValidationError(`files: ${message}`, [{ path: ["files", path], message }]);
      }
    }
    if (args.serviceAccountName !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.serviceAccountName)) {
      const message = `${JSON.stringify(args.serviceAccountName)} must be a ServiceAccount name (DNS-1123 subdomain)`;
      throw new ValidationError(`serviceAccountName: ${message}`, [{ path: ["serviceAccountName"], message }]);
    }
    const files = toFileTree(args.files ?? {}, (p) => p.split("/"));
    if (args.health?.timeout !== undefined && !/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(args.health.timeout)) {
      const message = `${JSON.stringify(args.health.timeout)} must be a Go duration such as 30s or 2m`;
      throw new ValidationError(`health.timeout: ${message}`, [{ path: ["health", "timeout"], message }]);
    }
    return this.enqueue({ kind: "write", dir: args.dir, segments, files, ...(args.serviceAccountName ? { serviceAccountName: args.serviceAccountName } : {}), ...(args.health ? { health: args.health } : {}) });
  }

  /**
   * Rewrites single files under `basePath/dir` in one commit, each only if it still holds `from` (a file
   * changed or removed meanwhile is left alone: its newer writer wins). E.g. a key rotation re-encrypting
   * every SOPS file of a destination.
   */
  async replaceFiles(args: { dir: string; files: Record<string, { from: string; to: string }> }): Promise<WriteResult> {
    const segments = splitSafePath("dir", args.dir);
    for (const path of Object.keys(args.files)) splitSafePath(`files[${JSON.stringify(path)}]`, path);
    return this.enqueue({ kind: "replace", dir: args.dir, segments, files: args.files });
  }

  /** Removes exactly `basePath/dir` (and parents left empty). */
  async removeDirectory(args: { dir: string }): Promise<WriteResult> {
    const segments = splitSafePath("dir", args.dir);
    return this.enqueue({ kind: "remove", dir: args.dir, segments });
  }

  /**
   * Registers a destination: `basePath/dir/dependencies/` and `basePath/dir/resources/` exist, each with
   * a `kustomization.yaml` listing the directories below it. Remove a destination with `removeDirectory`.
   */
  async ensureDestinationRoot(args: { dir: string; flux?: FluxIndexOptions }): Promise<WriteResult> {
    const segments = splitSafePath("dir", args.dir);
    if (args.flux) {
      splitSafePath("flux.namespace", args.flux.namespace);
      splitSafePath("flux.destination", args.flux.destination);
    }
    return this.enqueue({ kind: "root", dir: args.dir, segments, flux: args.flux });
  }

  /** Fetches the branch: proves the remote is reachable with these credentials. Returns the head. */
  async probe(): Promise<string | undefined> {
    return this.exclusive(async () => {
      await this.ensureCache();
      return this.refreshHead();
    });
  }

  /** Files of `basePath/dir` at the remote head (relative path → content), or undefined if absent. */
  async readDirectory(args: { dir: string }): Promise<Record<string, string> | undefined> {
    const segments = splitSafePath("dir", args.dir, true);
    return this.exclusive(async () => {
      const editor = await this.editorAtRemoteHead();
      return editor ? editor.readDirectory([...this.base, ...segments], args.dir) : undefined;
    });
  }

  /** File paths under `basePath/dir` at the remote head, relative to it, sorted. */
  async list(args: { dir: string }): Promise<string[]> {
    const segments = splitSafePath("dir", args.dir, true);
    return this.exclusive(async () => {
      const editor = await this.editorAtRemoteHead();
      return editor ? editor.list([...this.base, ...segments], args.dir) : [];
    });
  }

  /** The remote branch's head commit, or undefined when the branch does not exist yet. */
  async head(): Promise<string | undefined> {
    return this.exclusive(async () => {
      await this.ensureCache();
      return this.refreshHead();
    });
  }

  /**
   * Whether `commit` is `ancestor` or a descendant of it (e.g. "has Flux applied a revision that holds
   * this write?"). Fetches once when the cache does not have the commits yet: the store's branch, and
   * `branch` when `commit` is of another (a scope branch moved by another writer).
   */
  async contains(args: { commit: string; ancestor: string; branch?: string }): Promise<boolean> {
    if (args.commit === args.ancestor) return true;
    return this.exclusive(async () => {
      await this.ensureCache();
      const check = () => git.isDescendent({ fs: this.ctx.fs, gitdir: this.ctx.gitdir, oid: args.commit, ancestor: args.ancestor, depth: -1, cache: this.ctx.cache });
      try {
        return await check();
      } catch (err) {
        if ((err as { code?: string }).code !== "NotFoundError") throw err;
        await this.refreshHead();
        if (!this.local && args.branch && args.branch !== this.branch) await fetchBranch(this.ctx, args.branch).catch(() => undefined);
        return check().catch(() => false);
      }
    });
  }

  private async editorAtRemoteHead(): Promise<TreeEditor | undefined> {
    await this.ensureCache();
    const head = await this.refreshHead();
    if (!head) return undefined;
    return new TreeEditor(this.ctx, await this.treeOf(head));
  }

  private async treeOf(commit: string): Promise<string> {
    const { commit: c } = await git.readCommit({ fs: this.ctx.fs, gitdir: this.ctx.gitdir, oid: commit, cache: this.ctx.cache });
    return c.tree;
  }

  private ensureCache(): Promise<void> {
    this.ready ??= (async () => {
      const fs = this.fs;
      if (this.local) return;
      if (!fs.existsSync(`${this.ctx.gitdir}/objects`)) {
        await git.init({ fs, gitdir: this.ctx.gitdir, bare: true, defaultBranch: this.branch });
      }
      // fetch records the remote branch under refs/remotes/origin/* and needs the refspec for it.
      await git.addRemote({ fs, gitdir: this.ctx.gitdir, remote: "origin", url: this.url, force: true });
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Runs `fn` after every earlier remote operation of this writer finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private enqueue(op: Op): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // Let every call made in the same tick join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        await this.exclusive(() => this.commitBatch(batch)).catch((err) => batch.forEach((p) => p.reject(err)));
      }
    } finally {
      this.draining = false;
    }
  }

  /** Fetches the remote head into the cache and remembers it. */
  private async refreshHead(): Promise<string | undefined> {
    this.knownHead = this.local ? await readLocalBranch(this.ctx, this.branch) : await fetchBranch(this.ctx, this.branch);
    this.headKnown = true;
    return this.knownHead;
  }

  /**
   * One group commit. Optimistic: builds on the last head this writer saw (fetching only when it has
   * none) and pushes with compare-and-swap; a rejected push or a batch that looks like a no-op on a
   * possibly stale head refetches and rebuilds. A successful CAS proves the head built on was current.
   */
  private async commitBatch(batch: Pending[]): Promise<void> {
    await this.ensureCache();
    let fetched = false;
    for (let attempt = 1; ; ) {
      if (!this.headKnown || (attempt > 1 && !fetched)) {
        await this.refreshHead();
        fetched = true;
      }
      const head = this.knownHead;
      const headTree = head ? await this.treeOf(head) : undefined;
      const editor = new TreeEditor(this.ctx, headTree);
      const ictx: IndexContext = { editor, base: this.base, basePath: this.basePath };
      const outcomes: { p: Pending; changed?: boolean; error?: unknown }[] = [];
      for (const p of batch) {
        const full = [...this.base, ...p.op.segments];
        try {
          let changed = false;
          if (p.op.kind === "write") changed = await editor.setDirectory(full, p.op.files, p.op.dir);
          else if (p.op.kind === "remove") changed = await editor.removeDirectory(full, p.op.dir);
          else if (p.op.kind === "replace") {
            for (const [path, { from, to }] of Object.entries(p.op.files)) {
              const segs = [...full, ...path.split("/")];
              if ((await editor.readFile(segs, `${p.op.dir}/${path}`)) === from) changed = (await editor.setFile(segs, to, `${p.op.dir}/${path}`)) || changed;
            }
          }
          // A replacement (re-encryption) changes file contents only: no index follows it, its scope branches do.
          if (p.op.kind === "root" || (p.op.kind !== "replace" && this.indexKustomizations)) {
            for (const ix of this.indexers) changed = (await ix.apply(ictx, indexedOp(p.op))) || changed;
          }
          outcomes.push({ p, changed });
        } catch (error) {
          outcomes.push({ p, error });
        }
      }
      const tree = await editor.writeRoot();
      const settle = async (commit: string, committed: boolean): Promise<void> => {
        for (const o of outcomes) {
          if (o.error !== undefined) o.p.reject(o.error);
          else if (committed && o.changed) o.p.resolve({ commit, changed: true });
          else o.p.resolve({ commit: (await this.unchangedCommit(ictx, o.p.op).catch(() => undefined)) ?? commit, changed: false });
        }
      };
      if (tree === headTree || (!head && outcomes.every((o) => !o.changed))) {
        if (!fetched) {
          // "Nothing to do" must be judged against the remote's head, not a possibly stale cache.
          await this.refreshHead();
          fetched = true;
          continue;
        }
        await settle(head ?? "", false);
        return;
      }
      const now = Math.floor(Date.now() / 1000);
      const who = { ...this.author, timestamp: now, timezoneOffset: 0 };
      const message = this.describe(outcomes.filter((o) => o.changed).map((o) => o.p.op));
      const commit = await git.writeCommit({
        fs: this.ctx.fs,
        gitdir: this.ctx.gitdir,
        commit: { message, tree, parent: head ? [head] : [], author: who, committer: who },
      });
      const scopes = await scopeRefUpdates(ictx, headTree ? new TreeEditor(this.ctx, headTree) : undefined, outcomes.filter((o) => o.error === undefined).flatMap((o) => scopeOps(o.p.op).map((op) => ({ op, changed: !!o.changed }))));
      const { refs, objects: scopeObjects } = await cutScopeCommits(this.ctx, editor, this.base, scopes, { oid: commit, message, author: who });
      const pushed = this.local
        ? await updateLocalRefs(this.ctx, this.branch, head, commit, refs)
        : await pushBranch(this.ctx, this.branch, head, commit, [...editor.written, commit, ...scopeObjects], refs);
      if (pushed.ok) {
        this.knownHead = commit;
        this.commitsPushed++;
        await settle(commit, true);
        return;
      }
      this.pushRejections++;
      if (attempt >= this.maxAttempts) throw contended(this.url, attempt);
      // A stale cache is refetched at once; losing a race right after a fetch backs off with jitter.
      if (fetched) await sleep(Math.random() * Math.min(1000, 20 * 2 ** attempt) + 5);
      attempt++;
      fetched = false;
    }
  }

  /**
   * The commit an unchanged write answers: on a destination with isolated revisions, the commit of the
   * store's branch its scope branch was last cut from (the last one that changed it; Flux applies the scope
   * commit, a child of it), else undefined (head).
   */
  private async unchangedCommit(ctx: IndexContext, op: Op): Promise<string | undefined> {
    if (op.kind !== "write") return undefined;
    const s = scopeOf(op.dir);
    if (!s || !(await isolated(ctx, s.destinationPath))) return undefined;
    const ref = scopeRef(this.basePath, s.scope);
    const at = this.local ? await readLocalRef(this.ctx, ref) : await listRemoteRef(this.ctx, ref);
    // Users (and `Applied`) see the commit of the store's branch the scope commit was cut from.
    return at && ((await mainCommitOf(this.ctx, at, [...this.base, ...s.scope.split("/")])) ?? at);
  }

  private describe(ops: Op[]): string {
    const line = (op: Op): string => `${op.kind} ${[...this.base, ...op.segments].join("/")}`;
    if (ops.length === 0) return "plinth: no change\n";
    const subject = `plinth: ${line(ops[0])}${ops.length > 1 ? ` (+${ops.length - 1} more)` : ""}`;
    if (ops.length === 1) return subject + "\n";
    const body = ops.slice(0, 100).map(line);
    if (ops.length > 100) body.push(`… and ${ops.length - 100} more`);
    return `${subject}\n\n${body.join("\n")}\n`;
  }
}

/** What moved, for the scope branches: a replacement moves the directory of every file it replaced. */
function scopeOps(op: Op): Parameters<StateStoreIndexer["apply"]>[1][] {
  if (op.kind !== "replace") return [indexedOp(op)];
  return [...new Set(Object.keys(op.files).map((f) => posix.dirname(`${op.dir}/${f}`)))].map((dir) => ({ kind: "write" as const, dir }));
}

function indexedOp(op: Exclude<Op, { kind: "replace" }>): Parameters<StateStoreIndexer["apply"]>[1] {
  if (op.kind === "write") return { kind: "write", dir: op.dir, ...(op.serviceAccountName ? { serviceAccountName: op.serviceAccountName } : {}), ...(op.health ? { health: op.health } : {}) };
  if (op.kind === "remove") return { kind: "remove", dir: op.dir };
  return { kind: "root", dir: op.dir, flux: op.flux };
}
