/**
 * Shared mode's configuration, checked once at start (pure: environment and platform config in, a
 * resolved configuration or a `SharedModeConfigError` out).
 *
 * Shared mode is on when `PLINTH_DATABASE_URL` is set, or the platform config has `plinth:database`
 * (`{ url }`, set as a Pulumi secret). Then every replica is the same stateless process, so:
 * - the database URL must be `postgres://` / `postgresql://`; Pulumi state goes to the same database
 *   (the CLI's DIY backend, table `pulumi_state`);
 * - every State Store must be a remote Git store (`url`), not `embedded: true` (an embedded store lives
 *   on one replica's disk);
 * - one secrets provider for all replicas: `PLINTH_SECRETS_PROVIDER` (a KMS URL: `awskms://…`,
 *   `gcpkms://…`, `azurekeyvault://…`, `hashivault://…`) or a passphrase shared by every replica
 *   (`PULUMI_CONFIG_PASSPHRASE`).
 */
import { SharedModeConfigError, redactUrl } from "./errors";

export interface StoreConfigLike {
  name: string;
  embedded?: boolean;
  url?: string;
}

export interface SharedModeInput {
  env: NodeJS.ProcessEnv;
  /** Platform config `plinth:database`, if any. */
  database?: { url?: string };
  stateStores: readonly StoreConfigLike[];
}

export interface SharedMode {
  databaseUrl: string;
  /** The Pulumi backend URL (`postgres://…`, same database). */
  backendUrl: string;
  /** Secrets provider of new stacks: a KMS URL, or `passphrase`. */
  secretsProvider: string;
  /** Set when the provider is `passphrase` (never logged). */
  passphrase?: string;
}

const KMS = /^(awskms|gcpkms|azurekeyvault|hashivault):\/\/\S+$/;

/** The shared-mode configuration, or undefined for the embedded default (no database configured). */
export function resolveSharedMode(input: SharedModeInput): SharedMode | undefined {
  const fromEnv = input.env.PLINTH_DATABASE_URL?.trim();
  const url = fromEnv || input.database?.url?.trim();
  if (!url) {
    if (input.database) throw new SharedModeConfigError("plinth:database is set without a url: set plinth:database.url (as a secret) to postgres://user:password@host:5432/db, or remove it for the embedded mode", { path: ["database", "url"] });
    return undefined;
  }
  const source = fromEnv ? "PLINTH_DATABASE_URL" : "plinth:database.url";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SharedModeConfigError(`${source} is not a URL: use postgres://user:password@host:5432/db`, { path: [source] });
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    throw new SharedModeConfigError(`${source} must be a postgres:// URL (got ${parsed.protocol}//…): use postgres://user:password@host:5432/db`, { path: [source], url: redactUrl(url) });
  if (!parsed.pathname || parsed.pathname === "/") throw new SharedModeConfigError(`${source} names no database: add it to the path, e.g. postgres://user:password@host:5432/plinth`, { path: [source], url: redactUrl(url) });

  const local = input.stateStores.filter((s) => s.embedded || !s.url);
  if (local.length)
    throw new SharedModeConfigError(
      `shared mode needs remote Git State Stores, and ${local.map((s) => `"${s.name}"`).join(", ")} ${local.length > 1 ? "are" : "is"} embedded: set plinth:stateStores[].url to an http(s) Git URL every replica can push to (and drop embedded: true), or unset ${source} for the embedded mode`,
      { path: ["stateStores"], stores: local.map((s) => s.name) },
    );

  const provider = input.env.PLINTH_SECRETS_PROVIDER?.trim();
  const passphrase = input.env.PULUMI_CONFIG_PASSPHRASE;
  if (provider && provider !== "passphrase" && !KMS.test(provider))
    throw new SharedModeConfigError(`PLINTH_SECRETS_PROVIDER must be a KMS URL (awskms://, gcpkms://, azurekeyvault://, hashivault://) or "passphrase"`, { path: ["PLINTH_SECRETS_PROVIDER"] });
  if ((!provider || provider === "passphrase") && !passphrase)
    throw new SharedModeConfigError(
      "shared mode needs one secrets provider for every replica: set PLINTH_SECRETS_PROVIDER to a KMS key URL (e.g. awskms://alias/plinth), or PULUMI_CONFIG_PASSPHRASE to the same passphrase on every replica",
      { path: ["PLINTH_SECRETS_PROVIDER"] },
    );
  return {
    databaseUrl: url,
    backendUrl: url,
    secretsProvider: provider && provider !== "passphrase" ? provider : "passphrase",
    ...(provider && provider !== "passphrase" ? {} : { passphrase }),
  };
}
