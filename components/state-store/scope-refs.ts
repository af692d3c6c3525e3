/**
 * Scope branches: besides the store's branch (the readable Kratix layout), a destination with isolated
 * Flux revisions has one branch per *scope*, each pointing at a *scope commit* (scope-commits.ts) cut from
 * the last commit of the store's branch that changed that scope's directory, holding only that directory:
 *
 *   plinth/<base>/<dest>/dependencies                       the destination's Dependencies
 *   plinth/<base>/<dest>/flux/index                         its per-request Flux index (of shards)
 *   plinth/<base>/<dest>/flux/shards/<k>                    one shard of that index
 *   plinth/<base>/<dest>/resources/<ns>/<promise>/<name>    one request
 *
 * Flux follows each scope with its own GitRepository, so a commit gives a new revision only to the
 * sources whose files it changed. The writer moves these branches in the same atomic ref transaction as
 * the store's branch (compare-and-swap on the latter), so they never run ahead of or behind it.
 */
export interface RequestDir {
  /** The destination's directory (`dev`, `eu/edge-1`). */
  destinationPath: string;
  namespace: string;
  promise: string;
  name: string;
}

/**
 * The request a placement directory belongs to: `<dest>/resources/<ns>/<promise>/<name>[/…]`, or
 * undefined for any other directory (dependencies, destination roots).
 */
export function requestDirOf(dir: string): RequestDir | undefined {
  const segs = dir.split("/");
  for (let i = segs.length - 4; i >= 1; i--) {
    if (segs[i] === "resources") {
      return { destinationPath: segs.slice(0, i).join("/"), namespace: segs[i + 1], promise: segs[i + 2], name: segs[i + 3] };
    }
  }
  return undefined;
}


export const SCOPE_BRANCH_PREFIX = "plinth";

/**
 * The scope branch of `dir` (a scope directory relative to the store's base path). The index's own scope
 * (`<dest>/flux`) is `…/flux/index`: Git cannot hold a ref `…/flux` next to its shards' `…/flux/shards/<k>`.
 */
export function scopeBranch(basePath: string, dir: string): string {
  const segs = [SCOPE_BRANCH_PREFIX, ...basePath.split("/"), ...dir.split("/")].filter((s) => s);
  if (segs[segs.length - 1] === "flux" && segs[segs.length - 2] !== "resources") segs.push("index");
  return segs.join("/");
}

/** The store's own branch may not live where scope branches do. */
export function conflictsWithScopeBranches(branch: string): boolean {
  return branch === SCOPE_BRANCH_PREFIX || branch.startsWith(`${SCOPE_BRANCH_PREFIX}/`);
}

/** The destination directory and scope a placement directory belongs to, if any. */
export function scopeOf(dir: string): { destinationPath: string; scope: string } | undefined {
  const r = requestDirOf(dir);
  if (r) return { destinationPath: r.destinationPath, scope: `${r.destinationPath}/resources/${r.namespace}/${r.promise}/${r.name}` };
  const segs = dir.split("/");
  // <dest>/dependencies/<promise>/<pipeline>/<id>
  const i = segs.length - 4;
  if (i >= 1 && segs[i] === "dependencies") {
    const destinationPath = segs.slice(0, i).join("/");
    return { destinationPath, scope: `${destinationPath}/dependencies` };
  }
  return undefined;
}

/** The scopes of a destination itself (not of its requests): dependencies, the index, its shards. */
export function destinationScopes(destinationPath: string, shards: readonly string[]): string[] {
  return [`${destinationPath}/dependencies`, `${destinationPath}/flux`, ...shards.map((k) => `${destinationPath}/flux/shards/${k}`)];
}
