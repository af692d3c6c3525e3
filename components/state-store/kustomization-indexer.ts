/**
 * The Kratix-layout index (DESIGN.md §4): every directory from a destination's `dependencies/` or
 * `resources/` down to a placement's parent holds a `kustomization.yaml` listing the directories below it.
 */
import { indexKustomization, kustomizationIndexDirs } from "./layout";
import type { IndexContext, IndexedOp, StateStoreIndexer } from "./state-store-writer";

export const kustomizationIndexer: StateStoreIndexer = {
  name: "kustomization",
  async apply(ctx, op) {
    if (op.kind === "root") return reindex(ctx, [`${op.dir}/dependencies`, `${op.dir}/resources`], true);
    return reindex(ctx, kustomizationIndexDirs(op.dir), false);
  },
};

/**
 * Keeps the kustomization.yaml of index directories listing their subdirectories (deepest first). An
 * index directory left without subdirectories is removed, except a destination root (`allRoots`, or the
 * first of `dirs`), which keeps an empty kustomization so Flux never fails on an empty destination.
 */
async function reindex({ editor, base }: IndexContext, dirs: string[], allRoots: boolean): Promise<boolean> {
  let changed = false;
  for (let i = dirs.length - 1; i >= 0; i--) {
    const isRoot = allRoots || i === 0;
    const segs = [...base, ...dirs[i].split("/")];
    const subdirs = await editor.subdirectories(segs, dirs[i]);
    // Gone (e.g. its destination was removed before this placement): nothing to index, nothing to recreate.
    if (!allRoots && subdirs === undefined) continue;
    if (!isRoot && subdirs!.length === 0) {
      changed = (await editor.removeDirectory(segs, dirs[i])) || changed;
      continue;
    }
    changed = (await editor.setFile([...segs, "kustomization.yaml"], indexKustomization(subdirs ?? []), dirs[i])) || changed;
  }
  return changed;
}

export type { IndexedOp };
