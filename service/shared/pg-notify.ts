/**
 * Postgres LISTEN/NOTIFY between replicas: one dedicated connection per replica listens on the channels
 * asked for and reconnects (with the same channels) when the server goes away, telling `onReconnect` so
 * a listener can re-read what it may have missed meanwhile. `publish` sends on any pooled connection.
 *
 * `EventBus` carries request events (the SSE stream of a request) to every replica: a client connected
 * to replica B sees the events of a reconcile that runs on replica A.
 */
import { EventEmitter } from "node:events";
import pg from "pg";

/** NOTIFY payloads are limited to 8000 bytes; larger events go out without their data. */
const MAX_PAYLOAD = 7900;

export class PgListener {
  private client: pg.Client | undefined;
  private readonly channels = new Set<string>();
  private readonly emitter = new EventEmitter();
  private closed = false;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly opts: { retryMs?: number; log?: (line: string) => void } = {},
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Listens on `channel`; `handler` gets each payload (parsed JSON). */
  async listen(channel: string, handler: (payload: unknown) => void): Promise<void> {
    this.emitter.on(channel, handler);
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    await this.connect();
    await this.client?.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  }

  /** Called after the connection came back (notifications sent while it was down are lost). */
  onReconnect(handler: () => void): void {
    this.emitter.on("\0reconnect", handler);
  }

  /** Whether the listening connection is up. */
  get connected(): boolean {
    return this.client !== undefined;
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on("error", () => this.lost(client));
      client.on("end", () => this.lost(client));
      client.on("notification", (n) => {
        let payload: unknown = n.payload;
        try {
          payload = JSON.parse(n.payload ?? "null");
        } catch {
          /* plain text */
        }
        this.emitter.emit(n.channel, payload);
      });
      await client.connect();
      for (const ch of this.channels) await client.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
      this.client = client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => this.emitter.emit("\0reconnect"),
        () => this.scheduleReconnect(),
      );
    }, this.opts.retryMs ?? 500);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}

/** Sends `payload` (JSON) on `channel` to every listening replica. */
export async function publish(pool: pg.Pool, channel: string, payload: unknown): Promise<void> {
  await pool.query("SELECT pg_notify($1, $2)", [channel, JSON.stringify(payload)]);
}

export const EVENTS_CHANNEL = "plinth_events";

export interface BusEvent {
  stack: string;
  type: string;
  data?: unknown;
  /** The event's data did not fit a notification: re-read the request for it. */
  truncated?: boolean;
  /** The replica that sent it (a replica skips its own: it delivered them locally already). */
  from: string;
}

/** Request events shared by all replicas over LISTEN/NOTIFY. */
export class EventBus {
  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    readonly replica: string,
  ) {}

  async send(stack: string, event: { type: string; data?: unknown }): Promise<void> {
    let msg: BusEvent = { stack, type: event.type, data: event.data, from: this.replica };
    if (Buffer.byteLength(JSON.stringify(msg)) > MAX_PAYLOAD) msg = { stack, type: event.type, truncated: true, from: this.replica };
    await publish(this.pool, EVENTS_CHANNEL, msg);
  }

  /** Events sent by other replicas. */
  async subscribe(handler: (e: BusEvent) => void): Promise<void> {
    await this.listener.listen(EVENTS_CHANNEL, (p) => {
      const e = p as BusEvent;
      if (e && e.from !== this.replica) handler(e);
    });
  }
}
