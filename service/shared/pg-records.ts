/**
 * Request records in Postgres (shared mode): one row per request stack. Resource versions come from one
 * sequence, so they grow across every replica and restart; `write` is a compare-and-swap
 * (`UPDATE … WHERE resource_version = $expected`), so a replica holding an older read is refused exactly
 * as the file store refuses a stale writer. A trigger NOTIFYs `plinth_requests` with `{op, stack, rv}`
 * on every change, so every replica learns of writes made elsewhere (`SharedRecords`, shared-records.ts).
 * A removal gets a version of its own (`rv` of its DELETE notification), so watchers order it too.
 */
import pg from "pg";
import { ConflictError } from "../../components/errors";
import { stackNameOf } from "../core/keys";
import { StaleRecordError, emptyStatus, keyOf, type StoredRequest } from "../core/store";
import type { RequestKey, RequestObject, RequestStatus } from "../core/types";
import { UnavailableError, isConnectionError } from "./errors";
import { patchWithRetry, type RecordStore, type StatusFields } from "./records";

export const REQUESTS_CHANNEL = "plinth_requests";

const SCHEMA = `
CREATE SEQUENCE IF NOT EXISTS plinth_resource_version;
CREATE TABLE IF NOT EXISTS plinth_requests (
  stack text PRIMARY KEY,
  uid text NOT NULL,
  promise text NOT NULL,
  object jsonb NOT NULL,
  status jsonb NOT NULL,
  stack_created boolean NOT NULL DEFAULT false,
  stack_settings jsonb,
  resource_version bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION plinth_requests_notify() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('${REQUESTS_CHANNEL}', json_build_object('op', TG_OP, 'stack', OLD.stack, 'rv', coalesce(nullif(current_setting('plinth.removal_rv', true), ''), OLD.resource_version::text))::text);
    RETURN OLD;
  END IF;
  PERFORM pg_notify('${REQUESTS_CHANNEL}', json_build_object('op', TG_OP, 'stack', NEW.stack, 'rv', NEW.resource_version::text)::text);
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS plinth_requests_notify ON plinth_requests;
CREATE TRIGGER plinth_requests_notify AFTER INSERT OR UPDATE OR DELETE ON plinth_requests
  FOR EACH ROW EXECUTE FUNCTION plinth_requests_notify();
`;

/** Lock id taken while a replica creates or upgrades the schema (replicas may start at once). */
const SCHEMA_LOCK = 7_271_001;

interface Row {
  stack: string;
  promise: string;
  object: Omit<RequestObject, "status">;
  status: RequestStatus;
  stack_created: boolean;
  stack_settings: Record<string, unknown> | null;
  resource_version: string;
}

const COLUMNS = "stack, promise, object, status, stack_created, stack_settings, resource_version";

function toRecord(row: Row): StoredRequest {
  const object = { ...row.object, metadata: { ...row.object.metadata, resourceVersion: String(row.resource_version) } };
  Object.freeze(object.metadata);
  Object.freeze(object);
  Object.freeze(row.status);
  return Object.freeze({ object, promise: row.promise, status: row.status ?? emptyStatus(), stackCreated: row.stack_created, ...(row.stack_settings ? { stackSettings: row.stack_settings } : {}) });
}

/** Creates the tables of shared mode once (serialised across replicas by an advisory lock). */
export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK]);
    const exists = await client.query("SELECT to_regclass('plinth_requests') IS NOT NULL AS ok");
    if (!exists.rows[0].ok) await client.query(SCHEMA);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export class PgRecords implements RecordStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
  ) {}

  /** Connects (a pool of `max` connections) and creates the schema if needed. */
  static async open(target: string | pg.Pool, opts: { max?: number } = {}): Promise<PgRecords> {
    const pool = typeof target === "string" ? new pg.Pool({ connectionString: target, max: opts.max ?? 8 }) : target;
    if (typeof target === "string") pool.on("error", () => undefined); // an idle client lost its server: the next query reconnects
    await ensureSchema(pool);
    return new PgRecords(pool, typeof target === "string");
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      if (isConnectionError(err)) throw new UnavailableError("the request store (Postgres) cannot be reached: nothing was changed; retry in a few seconds", { cause: (err as Error).message });
      throw err;
    }
  }

  async load(): Promise<StoredRequest[]> {
    const res = await this.query<Row>(`SELECT ${COLUMNS} FROM plinth_requests ORDER BY created_at, stack`, []);
    return res.rows.map(toRecord);
  }

  async get(stack: string): Promise<StoredRequest | undefined> {
    const res = await this.query<Row>(`SELECT ${COLUMNS} FROM plinth_requests WHERE stack = $1`, [stack]);
    return res.rows[0] ? toRecord(res.rows[0]) : undefined;
  }

  async create(rec: StoredRequest): Promise<StoredRequest> {
    const key = keyOf(rec);
    const stack = stackNameOf(key);
    const res = await this.query<Row>(
      `INSERT INTO plinth_requests (stack, uid, promise, object, status, stack_created, stack_settings, resource_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, nextval('plinth_resource_version'))
       ON CONFLICT (stack) DO NOTHING
       RETURNING ${COLUMNS}`,
      [stack, rec.object.metadata.uid, rec.promise, JSON.stringify(rec.object), JSON.stringify(rec.status), rec.stackCreated, rec.stackSettings ? JSON.stringify(rec.stackSettings) : null],
    );
    if (!res.rows[0]) throw new ConflictError(`${key.kind} "${key.name}" already exists in namespace "${key.namespace}"`, key, "AlreadyExists");
    return toRecord(res.rows[0]);
  }

  async write(rec: StoredRequest, expected: string): Promise<StoredRequest> {
    const key = keyOf(rec);
    const stack = stackNameOf(key);
    if (!/^\d+$/.test(expected)) throw new StaleRecordError(key, expected, (await this.get(stack))?.object.metadata.resourceVersion);
    const res = await this.query<Row>(
      `UPDATE plinth_requests SET object = $3, status = $4, stack_created = $5, promise = $6, stack_settings = $7, resource_version = nextval('plinth_resource_version')
       WHERE stack = $1 AND resource_version = $2
       RETURNING ${COLUMNS}`,
      [stack, expected, JSON.stringify(rec.object), JSON.stringify(rec.status), rec.stackCreated, rec.promise, rec.stackSettings ? JSON.stringify(rec.stackSettings) : null],
    );
    if (!res.rows[0]) throw new StaleRecordError(key, expected, (await this.get(stack))?.object.metadata.resourceVersion);
    return toRecord(res.rows[0]);
  }

  patch(stack: string, change: (current: StoredRequest) => StatusFields | undefined): Promise<StoredRequest | undefined> {
    return patchWithRetry(this, stack, change);
  }

  /** Removes the record with this uid; answers the removal's own version (undefined: no such record). */
  async remove(key: RequestKey, uid: string): Promise<string | undefined> {
    // One statement: the removal's version is drawn first and told to the trigger (its NOTIFY carries it).
    const res = await this.query<{ rv: string }>(
      `WITH v AS (SELECT set_config('plinth.removal_rv', nextval('plinth_resource_version')::text, true) AS rv)
       DELETE FROM plinth_requests USING v WHERE stack = $1 AND uid = $2 RETURNING v.rv`,
      [stackNameOf(key), uid],
    );
    return res.rows[0]?.rv;
  }

  /** Whether Postgres answers (readiness). */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
