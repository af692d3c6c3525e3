/**
 * The platform process in shared mode (service/shared/config.ts): Pulumi state in Postgres through the
 * CLI's DIY backend, one secrets provider for every replica, `/readyz` on Postgres and the Git remotes,
 * and the platform stack's `up` run by one replica at a time.
 */
import * as crypto from "node:crypto";
import pg from "pg";
import { authHeaders } from "../../components/state-store/remote";
import { EngineWorkspace } from "../../service/engine";
import type { SharedMode } from "../../service/shared/config";
import { redactUrl } from "../../service/shared/errors";
import { checkReadiness, gitCheck, postgresCheck, type ReadinessReport } from "../../service/shared/readiness";
import { openSharedParts, type SharedParts } from "../../service/shared/shared-parts";

/** Advisory lock key held while a replica runs the platform stack's `up`. */
const PLATFORM_UP_LOCK = 7_271_101;

/** Git remotes `/readyz` checks (name, url and credentials of each State Store). */
export interface RemoteStore {
  name: string;
  url: string;
  username?: string;
  password?: string;
  token?: string;
}

/**
 * The key sealing action steps' inputs kept for their delete (service/provider/action.ts): the same on
 * every replica. The shared passphrase when there is one; with a KMS provider, `PLINTH_SEAL_KEY`, else a
 * key derived from the database URL (a secret every replica holds).
 */
export function sharedSealKey(shared: SharedMode, env: NodeJS.ProcessEnv = process.env): string {
  if (shared.passphrase) return shared.passphrase;
  if (env.PLINTH_SEAL_KEY) return env.PLINTH_SEAL_KEY;
  return crypto.createHash("sha256").update(`plinth-seal:${shared.databaseUrl}`).digest("base64url");
}

/**
 * The request stacks' workspace in shared mode: the platform's (state in Postgres, the shared secrets
 * provider; new stacks by `stack init`), under project `plinth-requests`.
 */
export function sharedRequestsWorkspace(platform: EngineWorkspace, workDir: string): EngineWorkspace {
  const o = platform.options;
  return new EngineWorkspace({
    ...o,
    workDir,
    project: "plinth-requests",
    newStackSecrets: undefined,
    env: { ...o.env, PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS: "true" },
  });
}

export class SharedRuntime {
  readonly pool: pg.Pool;
  private opened: Promise<SharedParts> | undefined;

  constructor(readonly mode: SharedMode) {
    this.pool = new pg.Pool({ connectionString: mode.databaseUrl, max: 2, connectionTimeoutMillis: 2000 });
    this.pool.on("error", () => undefined); // a dropped idle connection: the next query reconnects
  }

  /** The service's shared parts (records, work queue, events in Postgres), opened once. */
  parts(log?: (line: string) => void): Promise<SharedParts> {
    this.opened ??= openSharedParts({ databaseUrl: this.mode.databaseUrl, log }).catch((err: unknown) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  /** `/readyz`: Postgres answers (and its notifications are heard), and every Git remote answers. */
  readiness(stores: () => readonly RemoteStore[]): () => Promise<ReadinessReport> {
    return async () =>
      checkReadiness([
        ...((await this.opened?.catch(() => undefined))?.readiness ?? [postgresCheck(this.pool)]),
        ...stores().map((s) => gitCheck(s.name, s.url, authHeaders(s.token ? { token: s.token } : s.username || s.password ? { username: s.username ?? "", password: s.password ?? "" } : undefined))),
      ]);
  }

  /** Runs `fn` holding the platform stack's advisory lock (replicas starting together take turns). */
  async whileHoldingUpLock<T>(fn: () => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.mode.databaseUrl });
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (err) {
      throw new Error(`cannot reach the database ${redactUrl(this.mode.databaseUrl)}: ${(err as Error).message}`, { cause: err });
    }
    try {
      await client.query("SELECT pg_advisory_lock($1)", [PLATFORM_UP_LOCK]);
      return await fn();
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [PLATFORM_UP_LOCK]).catch(() => undefined);
      await client.end().catch(() => undefined);
    }
  }

  /** After the service closed (it hands its leases back): the parts' connections, then the pool. */
  async close(): Promise<void> {
    await (await this.opened?.catch(() => undefined))?.close().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
