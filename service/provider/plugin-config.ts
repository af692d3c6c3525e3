/**
 * The plugin's State Store connections from its provider configuration: the default `plinth` provider
 * receives the stack's `plinth:*` config (secrets decrypted by the engine), so `plinth:stateStores`
 * with its credentials set as Pulumi secrets is all it needs. An embedded store is the bare repository
 * under the data dir (`<dataDir>/git/<name>.git`, what `npm start` serves at `/git/<name>.git`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { StoreConnection } from "../core/stores";

export interface StoreConfigEntry {
  name: string;
  embedded?: boolean;
  url?: string;
  branch?: string;
  path?: string;
  username?: string;
  password?: string;
  token?: string;
}

/** `stateStores` from Configure's variables (`plinth:stateStores` or the legacy `plinth:config:stateStores`). */
export function stateStoresFromVariables(vars: Record<string, string>): StoreConfigEntry[] | undefined {
  const raw = vars["plinth:stateStores"] ?? vars["plinth:config:stateStores"];
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("plinth:stateStores: must be a list of State Stores (YAML/JSON), e.g. [{ name: default, embedded: true }]");
  }
  if (!Array.isArray(parsed) || parsed.some((s) => !s || typeof s !== "object" || typeof (s as { name?: unknown }).name !== "string")) {
    throw new Error("plinth:stateStores: every entry needs a `name`");
  }
  return parsed as StoreConfigEntry[];
}

/** The data dir of the local platform (`npm start`'s): `PLINTH_DATA_DIR`, else `.plinth/` of this checkout. */
export function dataDirOf(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.PLINTH_DATA_DIR || path.join(__dirname, "..", "..", ".plinth"));
}

/** The local platform's URL (`<dataDir>/url`, written by `npm start`), if it has run on this data dir. */
export function platformUrl(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dataDir, "url"), "utf8").trim().replace(/\/+$/, "") || undefined;
  } catch {
    return undefined;
  }
}

/** Clone URL of the embedded store: the local platform's, else the repository itself. */
export function embeddedUrl(dataDir: string, name: string): string {
  const base = platformUrl(dataDir);
  return base ? `${base}/git/${name}.git` : `file://${path.join(dataDir, "git", `${name}.git`)}`;
}

/** Connections for the StoreRegistry; embedded stores are written straight into their local repository. */
export function connectionsOf(entries: StoreConfigEntry[], opts: { dataDir: string }): StoreConnection[] {
  return entries.map((s) => {
    const base = { name: s.name, branch: s.branch ?? "main", path: s.path ?? "" };
    if (s.embedded) return { ...base, url: embeddedUrl(opts.dataDir, s.name), localRepo: path.join(opts.dataDir, "git", `${s.name}.git`) };
    if (!s.url) throw new Error(`plinth:stateStores: store "${s.name}" needs a url (or embedded: true)`);
    const auth = s.token ? { token: s.token } : s.username || s.password ? { username: s.username ?? "", password: s.password ?? "" } : undefined;
    return { ...base, url: s.url, auth };
  });
}
