/**
 * What the platform writes a State Store through, whatever the backend (as Kratix's `lib/writers` has a
 * Git writer and a bucket writer): whole directories owned by one placement, destination roots, and
 * reads of what is there. `GitWriter` (writer.ts) is the Git implementation. The generated index files
 * (Kratix `kustomization.yaml` indexes, the per-request Flux index) are `StateStoreIndexer`s a writer runs
 * inside the same commit as the change they follow.
 */
import type { FluxIndexOptions, HealthChecks } from "./flux-index";
import type { TreeEditor } from "./tree-editor";

export interface WriteResult {
  /**
   * Commit of the store's branch that contains the change. When nothing changed: the last commit that
   * changed the directory's scope where the store keeps one (the one its scope branch was cut from,
   * scope-refs.ts), else the current head; "" if the branch has no commit yet.
   */
  commit: string;
  changed: boolean;
}

export interface StateStoreWriter {
  /** `<base>/<dir>` becomes exactly `files`; `serviceAccountName`: the account its Flux entry applies as. */
  writeDirectory(args: { dir: string; files: Record<string, string>; serviceAccountName?: string; health?: HealthChecks }): Promise<WriteResult>;
  /** Removes exactly `<base>/<dir>` (and index parents left empty). */
  removeDirectory(args: { dir: string }): Promise<WriteResult>;
  /** Registers a destination's directories (and, with `flux`, its per-request Flux index). */
  ensureDestinationRoot(args: { dir: string; flux?: FluxIndexOptions }): Promise<WriteResult>;
  readDirectory(args: { dir: string }): Promise<Record<string, string> | undefined>;
  list(args: { dir: string }): Promise<string[]>;
  head(): Promise<string | undefined>;
  /** Whether `commit` (of `branch`, default the store's) is `ancestor` or a descendant of it. */
  contains(args: { commit: string; ancestor: string; branch?: string }): Promise<boolean>;
  /** Proves the store is reachable with its credentials; answers the head. */
  probe(): Promise<string | undefined>;
}

/** One change of a batch, as indexers see it. */
export type IndexedOp =
  | { kind: "write"; dir: string; serviceAccountName?: string; health?: HealthChecks }
  | { kind: "remove"; dir: string }
  | { kind: "root"; dir: string; flux?: FluxIndexOptions };

/** The tree being built for the next commit, and where the store sits in the repository. */
export interface IndexContext {
  editor: TreeEditor;
  /** Store path prefix as segments (`basePath`). */
  base: string[];
  basePath: string;
}

/** Keeps generated files in step with a change; answers whether it changed anything. */
export interface StateStoreIndexer {
  readonly name: string;
  apply(ctx: IndexContext, op: IndexedOp): Promise<boolean>;
}
