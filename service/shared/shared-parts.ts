/**
 * Shared mode in one call: `openSharedParts({ databaseUrl })` connects a replica to the Postgres every
 * replica shares and answers what the composition root passes to `PlinthService.open` (`service`, as
 * `PlinthServiceOptions.shared`), its readiness checks (`/readyz`) and `close()`:
 *
 * - `records`: request records in Postgres (`PgRecords`, compare-and-swap on resourceVersion) with the
 *   change notifications of every replica (`plinth_requests`), the service's durable store;
 * - `queue`: the reconcile queue over every replica (pg-boss, `LeasedQueue`: one replica per key, leases);
 * - `events`: request events (SSE) to and from the other replicas (`EventBus`, LISTEN/NOTIFY).
 *
 *   const shared = await openSharedParts({ databaseUrl, replica: os.hostname() });
 *   const svc = await PlinthService.open({ ...options, shared: shared.service });
 *   … await svc.close(); await shared.close();
 */
import * as os from "node:os";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { EventRelay, SharedServiceParts } from "../core/options";
import type { ReconcileQueue, ReconcileWork } from "../core/queue";
import type { DurableRecords, RecordChange } from "../core/record-backend";
import type { StoredRequest } from "../core/store";
import type { RequestEvent, RequestKey } from "../core/types";
import { LeasedQueue } from "./lease-queue";
import { EventBus, PgListener } from "./pg-notify";
import { PgRecords, REQUESTS_CHANNEL } from "./pg-records";
import { postgresCheck, type ReadinessCheck } from "./readiness";

export interface SharedPartsOptions {
  databaseUrl: string;
  /** This replica's name (unique among the replicas; default host name and a random suffix). */
  replica?: string;
  /** Lease heartbeat of a reconcile (s, ≥ 10): a replica silent this long loses its keys to the others. */
  heartbeatSeconds?: number;
  /** How often expired leases are looked for and work polled (s). Default 1. */
  monitorSeconds?: number;
  /** On `close()`, the time running reconciles get before they are handed back (ms). Default 10 000. */
  graceMs?: number;
  /** Connections of the records pool. Default 8. */
  poolSize?: number;
  log?: (line: string) => void;
}

export interface SharedParts {
  replica: string;
  pool: pg.Pool;
  records: SharedRecords;
  /** `PlinthServiceOptions.shared`. */
  service: SharedServiceParts;
  /** `/readyz`: Postgres answers, and this replica hears the other replicas' changes. */
  readiness: ReadinessCheck[];
  /** The queue, once the service opened it. */
  queue(): LeasedQueue | undefined;
  /** Stops listening and closes the connections (close the service first: it hands its leases back). */
  close(): Promise<void>;
}

/** `PgRecords` with every replica's changes (`watch`): the service's `DurableRecords` in shared mode. */
export class SharedRecords implements DurableRecords {
  constructor(
    readonly pg: PgRecords,
    private readonly listener: PgListener,
  ) {}

  load(): Promise<StoredRequest[]> {
    return this.pg.load();
  }

  get(stack: string): Promise<StoredRequest | undefined> {
    return this.pg.get(stack);
  }

  create(rec: StoredRequest): Promise<StoredRequest> {
    return this.pg.create(rec);
  }

  write(rec: StoredRequest, expected: string): Promise<StoredRequest> {
    return this.pg.write(rec, expected);
  }

  remove(key: RequestKey, uid: string): Promise<string | undefined> {
    return this.pg.remove(key, uid);
  }

  async watch(onChange: (c: RecordChange) => void, onReconnect: () => void): Promise<void> {
    this.listener.onReconnect(onReconnect);
    await this.listener.listen(REQUESTS_CHANNEL, (p) => {
      const c = p as RecordChange | undefined;
      if (c && typeof c.stack === "string" && typeof c.rv === "string") onChange(c);
    });
  }
}

/** NOTIFY payloads are limited to 8000 bytes: an event larger than this goes out without its data. */
const MAX_EVENT_BYTES = 7000;

/** Request events over the `EventBus`: the whole event as the bus event's data. */
function eventRelay(bus: EventBus): EventRelay {
  return {
    async send(stack, event) {
      const fits = Buffer.byteLength(JSON.stringify(event)) <= MAX_EVENT_BYTES;
      await bus.send(stack, { type: event.type, data: fits ? event : { ...event, data: undefined } });
    },
    async subscribe(handler) {
      await bus.subscribe((e) => {
        const event = e.data as RequestEvent | undefined;
        handler(e.stack, event && !e.truncated ? event : { type: e.type as RequestEvent["type"], message: "(too large to relay: read the request)", time: new Date().toISOString() });
      });
    },
  };
}

export async function openSharedParts(o: SharedPartsOptions): Promise<SharedParts> {
  const replica = o.replica ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.poolSize ?? 8 });
  pool.on("error", () => undefined); // an idle client lost its server: the next query reconnects
  const listener = new PgListener(o.databaseUrl, { log: o.log });
  let queue: LeasedQueue | undefined;
  try {
    const records = new SharedRecords(await PgRecords.open(pool), listener);
    const bus = new EventBus(pool, listener, replica);
    const openQueue = async (work: ReconcileWork, concurrency: number): Promise<ReconcileQueue> => {
      queue = await LeasedQueue.open({
        url: o.databaseUrl,
        concurrency,
        work,
        replica,
        heartbeatSeconds: o.heartbeatSeconds,
        monitorSeconds: o.monitorSeconds,
        graceMs: o.graceMs,
        log: o.log,
      });
      return queue;
    };
    return {
      replica,
      pool,
      records,
      service: { records, queue: openQueue, events: eventRelay(bus) },
      readiness: [postgresCheck(pool), { name: "postgres:notifications", probe: async () => listener.connected }],
      queue: () => queue,
      async close() {
        await queue?.stop();
        await listener.close();
        await pool.end();
      },
    };
  } catch (err) {
    await listener.close();
    await pool.end().catch(() => undefined);
    throw err;
  }
}
