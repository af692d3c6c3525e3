/** What the `plinth` provider needs from a State Store: one owned directory rewritten or removed whole. */
export interface DirectoryWriter {
  writeDirectory(args: { dir: string; files: Record<string, string>; serviceAccountName?: string; health?: { timeout?: string } }): Promise<{ commit: string; changed: boolean }>;
  removeDirectory(args: { dir: string }): Promise<{ commit: string; changed: boolean }>;
}

/** Resolves a State Store name (a Placement's `store` input) to its writer. */
export type StoreResolver = (store: string) => DirectoryWriter | Promise<DirectoryWriter>;

/** A resource type served by the provider: the usual CRUD, with inputs already plain values. */
export interface ResourceHandler {
  check?(news: Record<string, unknown>): { path: string; reason: string }[];
  diff(olds: Record<string, unknown>, news: Record<string, unknown>): { changes: boolean; replaces?: string[]; deleteBeforeReplace?: boolean };
  create(inputs: Record<string, unknown>): Promise<{ id: string; outs: Record<string, unknown> }>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<{ outs: Record<string, unknown> }>;
  delete(id: string, props: Record<string, unknown>): Promise<void>;
  /** Reads the live state (`pulumi up --refresh`): what is really there now. */
  read?(id: string, props: Record<string, unknown>): Promise<{ id: string; props: Record<string, unknown> }>;
}
