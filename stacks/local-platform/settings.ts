/** The local platform's files and settings: its secrets, the stack config as written, the Git server's users. */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { createGitHttpHandler, sameSecret } from "../../components/state-store/git-http-backend";
import { EngineWorkspace } from "../../service/engine";
import { initBareRepo } from "../../components/state-store/bare-repo";
import type { StoreRegistry } from "../../service/core/stores";
import { encryptTransit } from "./transit";

/** The secret kept in `file` (made once, mode 0600). */
export function secretFile(file: string, bytes = 24): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  const value = crypto.randomBytes(bytes).toString("base64url");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, value + "\n", { mode: 0o600 });
  return value;
}

/** Config as written to the stack settings: credentials stay in this process (the provider), never on disk. */
export function withoutCredentials(raw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...raw };
  if (Array.isArray(out.stateStores)) {
    out.stateStores = out.stateStores.map((s) => {
      const { password: _p, token: _t, ...rest } = s as Record<string, unknown>;
      return rest;
    });
  }
  if (Array.isArray(out.teams)) {
    out.teams = out.teams.map((t) => {
      const { token: _t, ...rest } = t as Record<string, unknown>;
      return rest;
    });
  }
  return out;
}

/**
 * Writes `raw` as the platform stack's config (credentials left out). Promise organisation config may hold
 * secrets (Slack, PagerDuty, Zendesk keys): then `plinth:promises` is stored encrypted.
 */
export async function writePlatformConfig(workspace: EngineWorkspace, stack: string, raw: Record<string, unknown>): Promise<void> {
  const plain = withoutCredentials(raw);
  const secretPromises = hasPromiseConfig(plain.promises);
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(plain)) if (!(k === "promises" && secretPromises)) config[`plinth:${k}`] = JSON.stringify(v);
  workspace.writeConfig(stack, config);
  if (secretPromises) await workspace.setSecretConfig(stack, "plinth:promises", JSON.stringify(plain.promises));
}

interface StoreEntry {
  name: string;
  embedded?: boolean;
  url?: string;
  branch: string;
  path: string;
  username?: string;
  password?: string;
  token?: string;
}

/**
 * Points the provider's stores at their repositories: an embedded store is a bare repo under
 * `projectRoot`, which the writer commits into directly (same machine: compare-and-swap ref update).
 */
export async function registerStores(stores: StoreRegistry, entries: readonly StoreEntry[], embedded: { projectRoot: string; gitUrl: (name: string) => string; auth: { username: string; password: string } }): Promise<void> {
  for (const s of entries) {
    if (s.embedded) {
      const repo = await initBareRepo({ projectRoot: embedded.projectRoot, name: s.name, branch: s.branch });
      stores.set({ name: s.name, url: embedded.gitUrl(s.name), branch: s.branch, path: s.path, auth: embedded.auth, localRepo: repo });
    } else {
      const auth = s.token ? { token: s.token } : s.username || s.password ? { username: s.username ?? "", password: s.password ?? "" } : undefined;
      stores.set({ name: s.name, url: s.url!, branch: s.branch, path: s.path, auth });
    }
  }
}

/** Whether any Promise entry has organisation config (then `plinth:promises` is kept as a secret). */
export function hasPromiseConfig(promises: unknown): boolean {
  return Array.isArray(promises) && promises.some((p) => typeof p === "object" && p !== null && Object.keys((p as { config?: object }).config ?? {}).length > 0);
}

/** The `plinth:*` config the stack was last brought up with (from its settings), if any. */
export async function previousConfig(workspace: EngineWorkspace, stack: string): Promise<Record<string, unknown> | undefined> {
  const settings = workspace.readSettings(stack);
  if (!settings?.config) return undefined;
  const secure = Object.values(settings.config).some((v) => typeof v === "object" && v !== null && "secure" in v);
  const values: Record<string, unknown> = secure ? await workspace.readConfigDecrypted(stack) : settings.config;
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (k.startsWith("plinth:")) raw[k.slice(7)] = typeof v === "string" ? JSON.parse(v) : v;
  return raw;
}

/**
 * Each destination's age private key (name → `AGE-SECRET-KEY-1…`), from the platform stack's `sopsKeys`
 * output (a Pulumi secret): what previews and `plinth secret` decrypt with. Never logged.
 */
export async function stackSopsKeys(workspace: EngineWorkspace, stack: string): Promise<Record<string, string>> {
  const out = await workspace.runCli(["stack", "output", "sopsKeys", "--json", "--show-secrets", "--stack", stack]);
  const keys = JSON.parse(out.stdout || "{}") as unknown;
  return keys && typeof keys === "object" ? (keys as Record<string, string>) : {};
}

/**
 * stackSopsKeys read once per generation of the platform's outputs: an `up` replaces the outputs (it may have
 * rotated a key), so the next read goes to the stack again. A failed read is not kept.
 */
export function cachedSopsKeys(workspace: EngineWorkspace, stack: string, generation: () => unknown): () => Promise<Record<string, string>> {
  let cached: { of: unknown; keys: Promise<Record<string, string>> } | undefined;
  return () => {
    const of = generation();
    if (cached && cached.of === of) return cached.keys;
    const keys = stackSopsKeys(workspace, stack).catch((err: unknown) => {
      if (cached?.keys === keys) cached = undefined;
      throw err;
    });
    cached = { of, keys };
    return keys;
  };
}

/**
 * The embedded Git server's handler (`/git/`): the platform writes as `plinth`, Flux reads as `flux`.
 * Both checks always run (no early exit on the user name): constant time whoever asks.
 */
export function embeddedGitHandler(projectRoot: string, gitPassword: string, fluxPassword: string) {
  const authenticate = (u: string, p: string): false | "read" | "write" => {
    const platform = [sameSecret(u, "plinth"), sameSecret(p, gitPassword)].every(Boolean);
    const flux = [sameSecret(u, "flux"), sameSecret(p, fluxPassword)].every(Boolean);
    return platform ? "write" : flux ? "read" : false;
  };
  return createGitHttpHandler({ projectRoot, authenticate });
}

/**
 * The request stacks' workspace: the platform's, with secrets kept by the platform's transit endpoint. New
 * stacks get what `stack init --secrets-provider hashivault://plinth` writes — a fresh 32-byte data key
 * wrapped by the transit key under the name "plinth" (base64 of `vault:v1:…`) — made here without a CLI run.
 */
export function requestsWorkspace(platform: EngineWorkspace, workDir: string, vaultAddr: string, vaultToken: string, transitKey: Buffer): EngineWorkspace {
  const o = platform.options;
  return new EngineWorkspace({
    ...o,
    workDir,
    project: "plinth-requests",
    secretsProvider: "hashivault://plinth",
    newStackSecrets: () => ({
      secretsprovider: "hashivault://plinth",
      encryptedkey: Buffer.from(encryptTransit(transitKey, "plinth", crypto.randomBytes(32))).toString("base64"),
    }),
    // No copy of the checkpoint under .pulumi/backups after every update of a request stack (one read and
    // one write per update, kept forever); the checkpoint itself is still replaced atomically and its
    // previous version kept as `<stack>.json.bak`, and history is still recorded.
    env: { ...o.env, VAULT_ADDR: vaultAddr, VAULT_TOKEN: vaultToken, PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS: "true" },
  });
}
