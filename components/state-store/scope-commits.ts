/**
 * The commits scope branches (scope-refs.ts) point at. A scope branch does not point at a commit of the
 * store's branch — Flux's source-controller clones depth 1 but fetches the whole tree of the commit it
 * follows, so every clone would grow with the store — but at a *scope commit*: its tree holds only the
 * scope's directory, at the same path (the main tree's subtree, wrapped in one small tree per path
 * segment), so a Kustomization's `path` and a GitRepository's `sparseCheckout` stay valid and a clone
 * costs the size of one scope.
 *
 * Its one parent is the commit of the store's branch it was cut from (message, author and dates copied
 * from it): deterministic for a given commit, and "has Flux applied the request's commit?" stays an
 * ancestry question (`contains(scopeCommit, mainCommit)`); a depth-1 clone never fetches that parent.
 */
import * as git from "isomorphic-git";
import type { RefUpdate } from "./remote";
import type { ScopeRefUpdates } from "./scope-updates";
import type { ObjectStore, TreeEditor } from "./tree-editor";

export interface MainCommit {
  oid: string;
  message: string;
  author: { name: string; email: string; timestamp: number; timezoneOffset: number };
}

/**
 * Writes the scope commit of the directory at `segments` (store base included) in the tree `editor`
 * holds (the main commit's). Returns its id and every object written (for a push), or undefined when the
 * directory does not exist there.
 */
export async function writeScopeCommit(store: ObjectStore, editor: TreeEditor, segments: string[], main: MainCommit): Promise<{ commit: string; objects: string[] } | undefined> {
  let oid = await editor.oidAt(segments, segments.join("/"));
  if (oid === undefined) return undefined;
  const objects: string[] = [];
  for (let i = segments.length - 1; i >= 0; i--) {
    oid = await git.writeTree({ fs: store.fs, gitdir: store.gitdir, tree: [{ mode: "040000", path: segments[i], oid, type: "tree" }] });
    objects.push(oid);
  }
  const commit = await git.writeCommit({ fs: store.fs, gitdir: store.gitdir, commit: { message: main.message, tree: oid, parent: [main.oid], author: main.author, committer: main.author } });
  objects.push(commit);
  return { commit, objects };
}

/** The ref updates for `scopes` (each set one to its scope commit), and every object written for them. */
export async function cutScopeCommits(store: ObjectStore, editor: TreeEditor, base: string[], scopes: ScopeRefUpdates, main: MainCommit): Promise<{ refs: RefUpdate[]; objects: string[] }> {
  const objects: string[] = [];
  const refs = await Promise.all(
    [...scopes].map(async ([ref, { scope, what }]) => {
      const made = what === "set" ? await writeScopeCommit(store, editor, [...base, ...scope.split("/")], main) : undefined;
      if (made) objects.push(...made.objects);
      return { ref, value: made?.commit };
    }),
  );
  return { refs, objects };
}

/**
 * The commit of the store's branch a scope branch's commit stands for: its parent when it is a scope
 * commit (its tree holds the same directory as its parent's), else itself (a branch moved by hand to a
 * commit of the store's branch). Undefined when the commit is not in the object store.
 */
export async function mainCommitOf(store: ObjectStore, scopeCommit: string, segments: string[]): Promise<string | undefined> {
  const read = (oid: string) => git.readCommit({ fs: store.fs, gitdir: store.gitdir, oid, cache: store.cache }).then((c) => c.commit);
  const at = async (tree: string): Promise<string | undefined> => {
    let oid: string | undefined = tree;
    for (const seg of segments) {
      const { tree: entries } = await git.readTree({ fs: store.fs, gitdir: store.gitdir, oid: oid!, cache: store.cache });
      oid = entries.find((e) => e.path === seg && e.type === "tree")?.oid;
      if (!oid) return undefined;
    }
    return oid;
  };
  try {
    const c = await read(scopeCommit);
    const parent = c.parent[0];
    if (!parent) return scopeCommit;
    const p = await read(parent);
    if (p.tree === c.tree) return scopeCommit;
    const mine = await at(c.tree);
    return mine !== undefined && mine === (await at(p.tree)) ? parent : scopeCommit;
  } catch {
    return undefined;
  }
}
