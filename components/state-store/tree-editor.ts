/**
 * Edits a Git tree through isomorphic-git's object API without a working tree. Only the trees on the
 * paths that change are read and rewritten, so an edit costs the same in a repository of 10 000
 * directories as in an empty one. Every object written is recorded in `written` (what a push must send).
 */
import * as git from "isomorphic-git";
import { pathConflict } from "./errors";

export interface ObjectStore {
  fs: git.CallbackFsClient | git.PromiseFsClient;
  gitdir: string;
  /** isomorphic-git cache object (keeps pack indexes in memory across calls). */
  cache: object;
}

interface Entry {
  mode: string;
  type: "blob" | "tree" | "commit";
  /** Object id; stale while `node` is dirty. */
  oid: string;
  /** Loaded subtree (trees only). */
  node?: TreeNode;
}

interface TreeNode {
  entries: Map<string, Entry>;
  dirty: boolean;
}

const TREE_MODE = "040000";
const FILE_MODE = "100644";
export const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** A nested description of a directory: file name → content, or name → subdirectory. */
export type FileTree = Map<string, string | FileTree>;

/** Builds a FileTree from relative `a/b/c.yaml` → content pairs (paths already validated). */
export function toFileTree(files: Record<string, string>, split: (path: string) => string[]): FileTree {
  const root: FileTree = new Map();
  for (const [path, content] of Object.entries(files)) {
    const segs = split(path);
    let node = root;
    for (let i = 0; i < segs.length - 1; i++) {
      const next = node.get(segs[i]);
      if (typeof next === "string") throw pathConflict(path, `"${segs.slice(0, i + 1).join("/")}" is both a file and a directory in files`);
      if (next) node = next;
      else {
        const child: FileTree = new Map();
        node.set(segs[i], child);
        node = child;
      }
    }
    const last = segs[segs.length - 1];
    if (node.has(last)) throw pathConflict(path, `"${path}" is both a file and a directory in files`);
    node.set(last, content);
  }
  return root;
}

export class TreeEditor {
  readonly written = new Set<string>();
  private root: TreeNode | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly rootOid: string | undefined,
  ) {}

  private async load(oid: string): Promise<TreeNode> {
    const { tree } = await git.readTree({ fs: this.store.fs, gitdir: this.store.gitdir, oid, cache: this.store.cache });
    const entries = new Map<string, Entry>();
    for (const e of tree) entries.set(e.path, { mode: e.mode, type: e.type, oid: e.oid });
    return { entries, dirty: false };
  }

  private async getRoot(): Promise<TreeNode> {
    if (!this.root) this.root = this.rootOid ? await this.load(this.rootOid) : { entries: new Map(), dirty: true };
    return this.root;
  }

  private async nodeOf(entry: Entry): Promise<TreeNode> {
    if (!entry.node) entry.node = await this.load(entry.oid);
    return entry.node;
  }

  /** Walks to `segments`, read only. Returns the chain of nodes (root first) and the final entry. */
  private async walk(segments: string[], what: string): Promise<{ chain: TreeNode[]; entry: Entry | undefined }> {
    const chain: TreeNode[] = [await this.getRoot()];
    for (let i = 0; i < segments.length - 1; i++) {
      const entry = chain[chain.length - 1].entries.get(segments[i]);
      if (!entry) return { chain, entry: undefined };
      if (entry.type !== "tree") throw pathConflict(what, `"${segments.slice(0, i + 1).join("/")}" is a file`);
      chain.push(await this.nodeOf(entry));
    }
    return { chain, entry: chain[chain.length - 1].entries.get(segments[segments.length - 1]) };
  }

  /** Current object id of an entry, writing its subtree first when it was edited. */
  private async oidOf(entry: Entry): Promise<string> {
    if (entry.node?.dirty) entry.oid = await this.writeNode(entry.node);
    return entry.oid;
  }

  private async writeNode(node: TreeNode): Promise<string> {
    const tree: git.TreeEntry[] = [];
    for (const [path, entry] of node.entries) {
      const oid = await this.oidOf(entry);
      tree.push({ mode: entry.mode, path, oid, type: entry.type });
    }
    const oid = await git.writeTree({ fs: this.store.fs, gitdir: this.store.gitdir, tree });
    this.written.add(oid);
    node.dirty = false;
    return oid;
  }

  private async writeFileTree(files: FileTree): Promise<TreeNode> {
    const node: TreeNode = { entries: new Map(), dirty: true };
    // Independent objects: write them concurrently (each is a separate loose-object file).
    const written = await Promise.all(
      [...files].map(async ([name, value]): Promise<[string, Entry]> => {
        if (typeof value !== "string") return [name, { mode: TREE_MODE, type: "tree", oid: "", node: await this.writeFileTree(value) }];
        const oid = await git.writeBlob({ fs: this.store.fs, gitdir: this.store.gitdir, blob: Buffer.from(value, "utf8") });
        this.written.add(oid);
        return [name, { mode: FILE_MODE, type: "blob", oid }];
      }),
    );
    for (const [name, entry] of written) node.entries.set(name, entry);
    return node;
  }

  /** The tree at `segments` becomes exactly `files`. Returns whether anything changed. */
  async setDirectory(segments: string[], files: FileTree, what: string): Promise<boolean> {
    if (files.size === 0) return this.removeDirectory(segments, what);
    const { entry } = await this.walk(segments, what);
    if (entry && entry.type !== "tree") throw pathConflict(what, "it is a file");
    const fresh = await this.writeFileTree(files);
    const freshOid = await this.writeNode(fresh);
    if (entry && (await this.oidOf(entry)) === freshOid) return false;
    await this.place(segments, { mode: TREE_MODE, type: "tree", oid: freshOid, node: fresh }, what);
    return true;
  }

  /** Puts `entry` at `segments`, creating missing parents, and marks the whole chain dirty. */
  private async place(segments: string[], entry: Entry, what: string): Promise<void> {
    let node = await this.getRoot();
    const chain = [node];
    for (const seg of segments.slice(0, -1)) {
      let e = node.entries.get(seg);
      if (!e) {
        e = { mode: TREE_MODE, type: "tree", oid: "", node: { entries: new Map(), dirty: true } };
        node.entries.set(seg, e);
      }
      if (e.type !== "tree") throw pathConflict(what, `"${seg}" is a file`);
      node = await this.nodeOf(e);
      chain.push(node);
    }
    node.entries.set(segments[segments.length - 1], entry);
    for (const n of chain) n.dirty = true;
  }

  /** Removes the tree at `segments` and any parents it leaves empty. Returns whether it existed. */
  async removeDirectory(segments: string[], what: string): Promise<boolean> {
    const { chain, entry } = await this.walk(segments, what);
    if (!entry) return false;
    if (entry.type !== "tree") throw pathConflict(what, "it is a file, not a directory");
    chain[chain.length - 1].entries.delete(segments[segments.length - 1]);
    for (let i = chain.length - 1; i > 0 && chain[i].entries.size === 0; i--) chain[i - 1].entries.delete(segments[i - 1]);
    for (const n of chain) n.dirty = true;
    return true;
  }

  /** Reads the files under `segments` (relative path → content), or undefined when there is no such tree. */
  async readDirectory(segments: string[], what: string): Promise<Record<string, string> | undefined> {
    let node: TreeNode;
    if (segments.length === 0) node = await this.getRoot();
    else {
      const { entry } = await this.walk(segments, what);
      if (!entry || entry.type !== "tree") return undefined;
      node = await this.nodeOf(entry);
    }
    const out: Record<string, string> = {};
    const visit = async (n: TreeNode, prefix: string): Promise<void> => {
      for (const [name, e] of [...n.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (e.type === "tree") await visit(await this.nodeOf(e), prefix + name + "/");
        else if (e.type === "blob") {
          const { blob } = await git.readBlob({ fs: this.store.fs, gitdir: this.store.gitdir, oid: e.oid, cache: this.store.cache });
          out[prefix + name] = Buffer.from(blob).toString("utf8");
        }
      }
    };
    await visit(node, "");
    return out;
  }

  /** Lists file paths under `segments`, relative to it, sorted. */
  async list(segments: string[], what: string): Promise<string[]> {
    let node: TreeNode;
    if (segments.length === 0) node = await this.getRoot();
    else {
      const { entry } = await this.walk(segments, what);
      if (!entry || entry.type !== "tree") return [];
      node = await this.nodeOf(entry);
    }
    const out: string[] = [];
    const visit = async (n: TreeNode, prefix: string): Promise<void> => {
      for (const [name, e] of n.entries) {
        if (e.type === "tree") await visit(await this.nodeOf(e), prefix + name + "/");
        else out.push(prefix + name);
      }
    };
    await visit(node, "");
    return out.sort();
  }

  /** Names of the subdirectories of `segments` (sorted), or undefined when there is no such tree. */
  async subdirectories(segments: string[], what: string): Promise<string[] | undefined> {
    let node: TreeNode;
    if (segments.length === 0) node = await this.getRoot();
    else {
      const { entry } = await this.walk(segments, what);
      if (!entry || entry.type !== "tree") return undefined;
      node = await this.nodeOf(entry);
    }
    return [...node.entries].filter(([, e]) => e.type === "tree").map(([n]) => n).sort();
  }

  /** Content of the file at `segments`, or undefined when there is no such file. */
  async readFile(segments: string[], what: string): Promise<string | undefined> {
    const { entry } = await this.walk(segments, what);
    if (!entry || entry.type !== "blob") return undefined;
    const { blob } = await git.readBlob({ fs: this.store.fs, gitdir: this.store.gitdir, oid: entry.oid, cache: this.store.cache });
    return Buffer.from(blob).toString("utf8");
  }

  /** Removes the file at `segments` (its directory stays, even when left empty). Returns whether it existed. */
  async removeFile(segments: string[], what: string): Promise<boolean> {
    const { chain, entry } = await this.walk(segments, what);
    if (!entry) return false;
    if (entry.type === "tree") throw pathConflict(what, "it is a directory");
    chain[chain.length - 1].entries.delete(segments[segments.length - 1]);
    for (const n of chain) n.dirty = true;
    return true;
  }

  /** Sets one file (creating parents), leaving its siblings alone. Returns whether it changed. */
  async setFile(segments: string[], content: string, what: string): Promise<boolean> {
    const oid = await git.writeBlob({ fs: this.store.fs, gitdir: this.store.gitdir, blob: Buffer.from(content, "utf8") });
    const { entry } = await this.walk(segments, what);
    if (entry && entry.type !== "blob") throw pathConflict(what, "it is a directory");
    if (entry && entry.oid === oid) return false;
    this.written.add(oid);
    await this.place(segments, { mode: FILE_MODE, type: "blob", oid }, what);
    return true;
  }

  /** Object id of the tree (or blob) at `segments`, edits included; undefined when absent. */
  async oidAt(segments: string[], what: string): Promise<string | undefined> {
    if (segments.length === 0) return this.writeRoot();
    const { entry } = await this.walk(segments, what);
    return entry ? this.oidOf(entry) : undefined;
  }

  /** Writes every edited tree and returns the root tree's id. */
  async writeRoot(): Promise<string> {
    const root = await this.getRoot();
    if (!root.dirty && this.rootOid) return this.rootOid;
    if (root.entries.size === 0) {
      const oid = await git.writeTree({ fs: this.store.fs, gitdir: this.store.gitdir, tree: [] });
      this.written.add(oid);
      root.dirty = false;
      return oid;
    }
    return this.writeNode(root);
  }
}
