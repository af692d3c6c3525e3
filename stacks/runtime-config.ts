/**
 * What `npm start`'s program runs on, read from its environment (pure apart from reading a config file):
 * - `PLINTH_CONFIG`: the platform config — a stack settings file (`Pulumi.<stack>.yaml` form), or, as the
 *   deployed service gets it from `PlinthService` (components/service), the `plinth:*` values as JSON
 *   (`{"stateStores": …, "destinations": …}`, keys without the namespace). Default `Pulumi.<stack>.yaml`.
 * - `PLINTH_TEAMS`: the teams with their tokens as JSON (`[{name, namespaces, token | tokenSha256}]`);
 *   replaces the config's `teams`.
 * - shared mode (`resolveSharedMode`): `PLINTH_DATABASE_URL` or `plinth:database.url`, with
 *   `PLINTH_SECRETS_PROVIDER` / `PULUMI_CONFIG_PASSPHRASE`.
 * A bad value is a `SharedModeConfigError` (start fails with one line naming the variable and the fix).
 */
import * as path from "node:path";
import { SharedModeConfigError } from "../service/shared/errors";
import { resolveSharedMode, type SharedMode, type StoreConfigLike } from "../service/shared/config";
import { readStackConfig } from "./stack-config";

export interface RuntimeConfig {
  /** The `plinth:*` values (keys without the namespace), teams from PLINTH_TEAMS when set. */
  raw: Record<string, unknown>;
  /** Set in shared mode (Postgres); undefined for the embedded default. */
  shared?: SharedMode;
  /**
   * Name of the platform stack the process runs: `PLINTH_STACK` (default `local`); in shared mode
   * `<PLINTH_STACK>-service`, so the replicas' stack in Postgres never shares a name with the platform
   * stack that deployed them (`PlinthService` sets `PLINTH_STACK` to that stack's name).
   */
  stack: string;
}

function parseJson(name: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SharedModeConfigError(`${name} is not valid JSON (${(err as Error).message.split("\n")[0]}): set it to ${example}`, { path: [name] });
  }
}

/** The platform config of `PLINTH_CONFIG`: inline JSON (starts with `{`) or a settings file. */
export function readPlatformConfig(env: NodeJS.ProcessEnv, root: string, stack: string): Record<string, unknown> {
  const value = env.PLINTH_CONFIG?.trim();
  if (!value) return readStackConfig(path.join(root, `Pulumi.${stack}.yaml`));
  if (!value.startsWith("{")) return readStackConfig(path.resolve(value));
  const parsed = parseJson("PLINTH_CONFIG", value, `the platform config as JSON, e.g. {"stateStores":[{"name":"default","url":"https://git.example.com/org/state.git"}]}`);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new SharedModeConfigError("PLINTH_CONFIG must be a JSON object of plinth:* values (keys without the plinth: prefix)", { path: ["PLINTH_CONFIG"] });
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) raw[k.startsWith("plinth:") ? k.slice("plinth:".length) : k] = v;
  return raw;
}

/** `PLINTH_TEAMS` (JSON list of teams), or undefined when unset. */
export function readTeams(env: NodeJS.ProcessEnv): unknown[] | undefined {
  const value = env.PLINTH_TEAMS?.trim();
  if (!value) return undefined;
  const teams = parseJson("PLINTH_TEAMS", value, `a JSON list such as [{"name":"team-a","namespaces":["team-a"],"token":"…"}]`);
  if (!Array.isArray(teams)) throw new SharedModeConfigError(`PLINTH_TEAMS must be a JSON list of teams, e.g. [{"name":"team-a","namespaces":["team-a"],"token":"…"}]`, { path: ["PLINTH_TEAMS"] });
  return teams;
}

/** Reads and checks the runtime configuration (no side effects beyond reading the config file). */
export function resolveRuntimeConfig(env: NodeJS.ProcessEnv, root: string): RuntimeConfig {
  const stack = env.PLINTH_STACK?.trim() || "local";
  const raw = readPlatformConfig(env, root, stack);
  const teams = readTeams(env);
  if (teams) raw.teams = teams;
  const stores = Array.isArray(raw.stateStores) ? (raw.stateStores as StoreConfigLike[]) : [];
  const database = typeof raw.database === "object" && raw.database !== null ? (raw.database as { url?: string }) : undefined;
  const shared = resolveSharedMode({ env, database, stateStores: stores });
  if (!shared) return { raw, stack };
  // The database URL is a secret of this process: never written to the stack's settings.
  delete raw.database;
  delete raw.service;
  return { raw, stack: `${stack}-service`, shared };
}
