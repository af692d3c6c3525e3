/**
 * State Store name → Git writer, for the `plinth` provider running in this process. Writers keep a bare
 * cache under the platform's data dir and maintain the Kratix kustomization index.
 */
import * as path from "node:path";
import { GitWriter } from "../../components/state-store/writer";
import type { GitAuth } from "../../components/state-store/remote";
import { NotFoundError } from "../../components/errors";

export interface StoreConnection {
  name: string;
  url: string;
  branch: string;
  path: string;
  auth?: GitAuth;
  /** The store is this bare repository on this machine (embedded): write it directly. */
  localRepo?: string;
}

export class StoreRegistry {
  private readonly writers = new Map<string, GitWriter>();
  private readonly connections = new Map<string, StoreConnection>();

  constructor(private readonly cacheRoot: string) {}

  /** Adds or replaces a store; a changed connection gets a fresh writer. */
  set(conn: StoreConnection): void {
    const prev = this.connections.get(conn.name);
    if (prev && JSON.stringify(prev) === JSON.stringify(conn)) return;
    this.connections.set(conn.name, conn);
    this.writers.set(
      conn.name,
      new GitWriter({
        url: conn.url,
        branch: conn.branch,
        basePath: conn.path,
        auth: conn.auth,
        localRepo: conn.localRepo,
        cacheDir: path.join(this.cacheRoot, `${conn.name}-${Buffer.from(conn.url + conn.branch).toString("hex").slice(-16)}.git`),
        indexKustomizations: true,
      }),
    );
  }

  writer(name: string): GitWriter {
    const w = this.writers.get(name);
    if (!w) throw new NotFoundError(`no State Store named "${name}" is configured`, { store: name }, "StateStoreNotFound");
    return w;
  }

  connection(name: string): StoreConnection | undefined {
    return this.connections.get(name);
  }

  names(): string[] {
    return [...this.connections.keys()];
  }
}
