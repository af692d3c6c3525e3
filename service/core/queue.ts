/**
 * The reconcile work queue: bounded concurrency, never two operations on one key at once, a key queued
 * again while it runs runs once more afterwards (newer generations coalesce), delayed retries.
 */
/** Requests of one team queued or reconciling at once, unless `plinth:limits.maxInFlightPerTeam` says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT_PER_TEAM = 500;

/**
 * What the service uses of a reconcile queue: the embedded `WorkQueue` below, or in shared mode a queue
 * over every replica (service/shared/lease-queue.ts). There `depth`, `busyKeys` and `isBusy` speak of
 * this replica's view (keys it added or runs, best effort), and `idle()` of this replica's work only.
 */
/**
 * What a queued reconcile must do although nothing changed, carried with the work to whichever replica
 * runs it (shared mode; the embedded queue runs in the process that keeps these itself).
 */
export interface ReconcileFlags {
  /** Read Git first and run (drift repair, `reconcile now`). */
  force?: boolean;
  /** Run the workflow again (a step's `retryAfter`). */
  rerun?: boolean;
}

export interface ReconcileQueue {
  /** Queues `key` now or after `delayMs`; resolves once the work is durably queued (shared mode). */
  add(key: string, delayMs?: number, flags?: ReconcileFlags): void | Promise<void>;
  readonly concurrency: number;
  depth(): number;
  busyKeys(): Iterable<string>;
  isBusy(key: string): boolean;
  idle(): Promise<void>;
  /** Stops taking work (shared mode: hands running keys back to other replicas). */
  stop(): void | Promise<void>;
}

/** The work of one key; `signal` aborts when its lease is lost (shared mode). */
export type ReconcileWork = (key: string, signal?: AbortSignal, flags?: ReconcileFlags) => Promise<void>;

export interface WorkQueueOptions {
  concurrency: number;
  work: (key: string) => Promise<void>;
}

export class WorkQueue implements ReconcileQueue {
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: WorkQueueOptions) {}

  /** Queues `key` now (or after `delayMs`); a key already queued is not queued twice. */
  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      if (this.timers.has(key)) return;
      const t = setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delayMs);
      this.timers.set(key, t);
      return;
    }
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.pending.push(key);
    this.pump();
  }

  get concurrency(): number {
    return this.options.concurrency;
  }

  /** Keys waiting (not running, not delayed). */
  depth(): number {
    return this.pending.length;
  }

  /** Every key queued, running or waiting for a retry. */
  *busyKeys(): IterableIterator<string> {
    yield* this.queued;
    for (const k of this.running) if (!this.queued.has(k)) yield k;
    for (const k of this.timers.keys()) if (!this.queued.has(k) && !this.running.has(k)) yield k;
  }

  isBusy(key: string): boolean {
    return this.running.has(key) || this.queued.has(key);
  }

  /** Resolves when nothing is queued, running or scheduled. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.length = 0;
    this.queued.clear();
  }

  private isIdle(): boolean {
    return this.pending.length === 0 && this.running.size === 0 && this.timers.size === 0;
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.options.concurrency && this.pending.length) {
      const key = this.pending.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      void this.options
        .work(key)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(key);
          if (this.again.delete(key)) this.add(key);
          this.pump();
          if (this.isIdle()) this.idleWaiters.splice(0).forEach((r) => r());
        });
    }
  }
}
