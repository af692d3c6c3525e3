/**
 * Stack locks of Pulumi's Postgres DIY backend treated as leases, as `locks.ts` does for `file://`.
 *
 * The backend keeps every object of its bucket as a row of one table (`pulumi_state` unless the URL says
 * `?table=`): `key` (`…/.pulumi/locks/<org>/<project>/<stack>/<id>.json`), `data` (`{"data": base64}`)
 * and `updated_at`. The lock's content is `{pid, username, hostname, timestamp}`. While this replica runs
 * an operation it bumps its lock row's `updated_at` every `leaseMs / 4` (the heartbeat); a lock not bumped
 * for `leaseMs` belongs to a replica that is gone, wherever it ran, and is deleted by whoever finds it
 * (`isStale`: this host's locks also go as soon as their pid is gone).
 */
import * as os from "node:os";
import pg from "pg";
import { isStale, type LockFile } from "./locks";

/** The state table named by a `postgres://…?table=` backend URL (default `pulumi_state`). */
export function stateTable(backendUrl: string): string {
  const table = new URL(backendUrl).searchParams.get("table") ?? "pulumi_state";
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(table)) throw new Error(`backend table name "${table}" is not a plain SQL identifier`);
  return table;
}

/** The connection string without the backend's own `table` parameter. */
function connectionString(backendUrl: string): string {
  const u = new URL(backendUrl);
  u.searchParams.delete("table");
  return u.toString();
}

export interface PgLock extends Omit<LockFile, "file"> {
  key: string;
}

export class PgLockLeases {
  private readonly pool: pg.Pool;
  private readonly table: string;

  constructor(backendUrl: string) {
    this.pool = new pg.Pool({ connectionString: connectionString(backendUrl), max: 2 });
    this.pool.on("error", () => undefined);
    this.table = stateTable(backendUrl);
  }

  /** The lock rows of `stack` (every stack's when undefined; unreadable ones skipped). */
  async list(stack?: string): Promise<PgLock[]> {
    const res = await this.pool.query<{ key: string; data: { data?: string }; ms: string }>(
      `SELECT key, data, (extract(epoch from updated_at) * 1000)::bigint AS ms FROM ${this.table} WHERE key LIKE '%.pulumi/locks/%' AND ($1::text IS NULL OR split_part(key, '/', -2) = $1)`,
      [stack ?? null],
    );
    const out: PgLock[] = [];
    for (const row of res.rows) {
      try {
        const lock = JSON.parse(Buffer.from(row.data.data ?? "", "base64").toString("utf8")) as { pid: number; hostname: string };
        out.push({ key: row.key, pid: lock.pid, hostname: lock.hostname, touchedMs: Number(row.ms) });
      } catch {
        /* not a lock we can read: not ours to judge */
      }
    }
    return out;
  }

  /** Deletes the stale locks of `stack` (of every stack when undefined); answers how many. */
  async clearStale(stack: string | undefined, leaseMs: number): Promise<number> {
    let n = 0;
    for (const lock of await this.list(stack)) {
      if (!isStale({ ...lock, file: lock.key }, { leaseMs })) continue;
      // Only if nobody bumped it meanwhile (a live holder's heartbeat wins).
      const res = await this.pool.query(`DELETE FROM ${this.table} WHERE key = $1 AND (extract(epoch from updated_at) * 1000)::bigint = $2`, [lock.key, lock.touchedMs]);
      n += res.rowCount ?? 0;
    }
    return n;
  }

  /** Keeps the lock of CLI process `pid` on `stack` fresh while it runs; answers the function that stops it. */
  heartbeat(stack: string, pid: number, leaseMs: number): () => void {
    const host = os.hostname();
    const beat = (): void => {
      void this.list(stack)
        .then(async (locks) => {
          for (const l of locks) if (l.pid === pid && l.hostname === host) await this.pool.query(`UPDATE ${this.table} SET updated_at = now() WHERE key = $1`, [l.key]);
        })
        .catch(() => undefined); // Postgres away: the lease may lapse, and the operation fails on its own
    };
    const timer = setInterval(beat, Math.max(50, Math.floor(leaseMs / 4)));
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
