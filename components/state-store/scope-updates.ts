/**
 * Which scope branches (scope-refs.ts) a batch moves: for every change on a destination with isolated
 * Flux revisions, the scope of the changed directory and, for a request, its shard of the flux index, when
 * their trees differ from the head's; a (re)registered destination root sets all of its scopes.
 */
import { fluxIndexOf, requestsOf } from "./flux-indexer";
import { fluxShardDir, fluxShardOf, fluxShards, requestDirOf } from "./flux-index";
import { destinationScopes, scopeBranch, scopeOf } from "./scope-refs";
import type { IndexContext, IndexedOp } from "./state-store-writer";
import type { TreeEditor } from "./tree-editor";

/** Full ref name → its scope directory, and whether to move it to the new tree's scope commit (`set`) or delete it. */
export type ScopeRefUpdates = Map<string, { scope: string; what: "set" | "delete" }>;

export function scopeRef(basePath: string, scope: string): string {
  return `refs/heads/${scopeBranch(basePath, scope)}`;
}

/** Whether a destination's flux index asks for isolated revisions (in the tree being built). */
export async function isolated(ctx: IndexContext, destinationPath: string): Promise<boolean> {
  return !!(await fluxIndexOf(ctx, destinationPath))?.url;
}

/**
 * `ctx.editor` holds the new tree (after every op and index), `old` the head's (undefined: no commit
 * yet); `ops` with whether each changed anything.
 */
export async function scopeRefUpdates(ctx: IndexContext, old: TreeEditor | undefined, ops: { op: IndexedOp; changed: boolean }[]): Promise<ScopeRefUpdates> {
  const compare = new Set<string>();
  const force = new Set<string>();
  const isolation = new Map<string, Promise<boolean>>();
  const isIsolated = (dest: string) => {
    if (!isolation.has(dest)) isolation.set(dest, isolated(ctx, dest));
    return isolation.get(dest)!;
  };
  for (const { op, changed } of ops) {
    if (!changed) continue;
    if (op.kind === "root") {
      if (!op.flux?.url) continue;
      for (const s of destinationScopes(op.dir, fluxShards())) force.add(s);
      for (const r of await requestsOf(ctx, op.dir)) force.add(`${op.dir}/resources/${r.namespace}/${r.promise}/${r.name}`);
      continue;
    }
    const s = scopeOf(op.dir);
    if (!s || !(await isIsolated(s.destinationPath))) continue;
    compare.add(s.scope);
    // The request's entry lives in one shard of the index (the index itself changes only with its root).
    const r = requestDirOf(op.dir);
    if (r) compare.add(fluxShardDir(s.destinationPath, fluxShardOf(r)));
  }
  const out: ScopeRefUpdates = new Map();
  const at = (e: TreeEditor | undefined, scope: string) => (e ? e.oidAt([...ctx.base, ...scope.split("/")], scope) : Promise.resolve(undefined));
  for (const scope of new Set([...compare, ...force])) {
    const now = await at(ctx.editor, scope);
    const before = force.has(scope) ? undefined : await at(old, scope);
    if (now === undefined) {
      if (force.has(scope) || before !== undefined) out.set(scopeRef(ctx.basePath, scope), { scope, what: "delete" });
    } else if (now !== before) out.set(scopeRef(ctx.basePath, scope), { scope, what: "set" });
  }
  return out;
}
