/**
 * The reconcile work queue of shared mode, on pg-boss (a kept Postgres job queue): the same contract as
 * the embedded `WorkQueue` (`service/core/queue.ts`) across every replica.
 *
 * - One queue, policy `stately`, the request's stack name as `singletonKey`: at most one job per key is
 *   queued and one active, whichever replica added it, so a key is reconciled by one replica at a time
 *   and a key added while it runs runs once more afterwards (newer generations coalesce).
 * - The replica that holds a job is its lease holder; it heartbeats every `heartbeatSeconds / 2`. A job
 *   whose heartbeat stops (the replica died) is failed by any replica's monitor and retried at once
 *   elsewhere (`retryDelay: 0`).
 * - `stop()` (graceful shutdown) stops taking work, gives running reconciles `graceMs` to finish, then
 *   hands the rest back: pg-boss fails them (retry now, on another replica) and aborts their signals.
 * - `add(key, delayMs)` is a delayed retry; adding a key with no delay while a delayed job waits moves
 *   that job to now. It resolves once the job is in Postgres (the API answers 202 after that).
 *
 * As the service's `ReconcileQueue` (service/core/queue.ts), in shared mode: `isBusy`/`busyKeys` are the
 * keys this replica runs now; `depth()` is the number of jobs waiting over all replicas (read from
 * pg-boss at most every `monitorSeconds`, so a little late); `idle()` resolves once this replica runs
 * nothing (other replicas' work is not waited for: watch the request's status instead).
 */
import type { PgBoss as PgBossType } from "pg-boss" with { "resolution-mode": "import" };
import type { ReconcileFlags, ReconcileQueue } from "../core/queue";
import { redactUrl } from "./errors";

export const RECONCILE_QUEUE = "plinth-reconcile";

export interface LeasedQueueOptions {
  url: string;
  /** Reconciles running at once on this replica. */
  concurrency: number;
  /** The work of one key; `signal` aborts when the lease is lost or handed back. */
  work: (key: string, signal: AbortSignal, flags?: ReconcileFlags) => Promise<void>;
  /** Lease heartbeat (pg-boss: ≥ 10 s): a replica silent this long has lost its jobs. Default 10. */
  heartbeatSeconds?: number;
  /** How often each replica looks for expired leases and polls for work (s). Default 1. */
  monitorSeconds?: number;
  /** Time running reconciles get to finish on `stop()` before they are handed back (ms). Default 10 000. */
  graceMs?: number;
  /** Name of this replica (pg-boss instance registry). */
  replica?: string;
  /** `false`: only adds work (takes none), e.g. a replica draining or a tool. Default true. */
  consume?: boolean;
  log?: (line: string) => void;
}

interface JobData extends ReconcileFlags {
  key: string;
}

export class LeasedQueue implements ReconcileQueue {
  private readonly running = new Map<string, number>();
  private stopped = false;
  private readonly idleWaiters: (() => void)[] = [];
  private waiting = 0;
  private depthTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly boss: PgBossType,
    private readonly options: LeasedQueueOptions,
  ) {}

  /** Connects, creates the queue if needed, and starts taking work. */
  static async open(options: LeasedQueueOptions): Promise<LeasedQueue> {
    // pg-boss is an ES module (this package is CommonJS): loaded when shared mode starts.
    const { PgBoss } = await import("pg-boss");
    const monitor = options.monitorSeconds ?? 1;
    const boss = new PgBoss({
      connectionString: options.url,
      max: Math.max(4, options.concurrency + 2),
      monitorIntervalSeconds: monitor,
      superviseIntervalSeconds: monitor,
      instanceName: options.replica,
      schedule: false,
    });
    boss.on("error", (err: Error) => options.log?.(`work queue (${redactUrl(options.url)}): ${err.message}`));
    await boss.start();
    const heartbeatSeconds = Math.max(10, options.heartbeatSeconds ?? 10);
    const queueOptions = { policy: "stately" as const, heartbeatSeconds, retryLimit: 1_000_000, retryDelay: 0, expireInSeconds: 24 * 3600, notify: true };
    try {
      await boss.createQueue(RECONCILE_QUEUE, queueOptions);
    } catch (err) {
      // Another replica created it at the same moment.
      if (!(await boss.getQueue(RECONCILE_QUEUE))) throw err;
    }
    const q = new LeasedQueue(boss, options);
    if (options.consume === false) return q;
    await boss.work<JobData>(
      RECONCILE_QUEUE,
      { localConcurrency: options.concurrency, batchSize: 1, pollingIntervalSeconds: Math.max(0.5, monitor) },
      async ([job]) => {
        const key = job.data.key;
        q.running.set(key, (q.running.get(key) ?? 0) + 1);
        try {
          await options.work(key, job.signal, { force: job.data.force, rerun: job.data.rerun });
        } finally {
          const n = (q.running.get(key) ?? 1) - 1;
          if (n > 0) q.running.set(key, n);
          else q.running.delete(key);
          if (q.running.size === 0) q.idleWaiters.splice(0).forEach((r) => r());
        }
      },
    );
    q.depthTimer = setInterval(() => {
      boss.getQueue(RECONCILE_QUEUE).then(
        (r) => (q.waiting = r?.queuedCount ?? 0),
        () => undefined,
      );
    }, monitor * 1000);
    q.depthTimer.unref();
    return q;
  }

  /** Queues `key` now (or after `delayMs`); a key already queued is not queued twice. */
  async add(key: string, delayMs = 0, flags: ReconcileFlags = {}): Promise<void> {
    if (this.stopped) return;
    const startAfter = delayMs > 0 ? Math.ceil(delayMs / 1000) : undefined;
    const data: JobData = { key, ...(flags.force ? { force: true } : {}), ...(flags.rerun ? { rerun: true } : {}) };
    const id = await this.boss.send(RECONCILE_QUEUE, data, { singletonKey: key, ...(startAfter ? { startAfter } : {}) });
    // Refused: one is queued already. A request for "now" pulls a delayed one forward; flags go with it.
    const flagged = flags.force || flags.rerun;
    if (id === null && (!startAfter || flagged))
      await this.boss.update(RECONCILE_QUEUE, flagged ? data : undefined, { singletonKey: key, ...(startAfter ? {} : { startAfter: new Date() }) }).catch(() => undefined);
  }

  /** Keys this replica is reconciling now. */
  runningKeys(): string[] {
    return [...this.running.keys()];
  }

  get concurrency(): number {
    return this.options.concurrency;
  }

  /** Jobs waiting over every replica (as last read). */
  depth(): number {
    return this.waiting;
  }

  busyKeys(): IterableIterator<string> {
    return this.running.keys();
  }

  isBusy(key: string): boolean {
    return this.running.has(key);
  }

  /** Resolves once this replica runs nothing. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking work; running reconciles get `graceMs`, then their leases are handed back. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.depthTimer) clearInterval(this.depthTimer);
    await this.boss.stop({ graceful: true, timeout: this.options.graceMs ?? 10_000, close: true });
  }
}
