/**
 * The service's Prometheus metrics (prom-client), served on `GET /metrics` in text format 0.0.4. Each
 * `Metrics` has its own registry (several platforms may share a process, as in the tests): HTTP requests
 * and their durations by method, route template and status code; reconcile durations by outcome; the
 * queue depth; drift repairs; and prom-client's process and Node.js metrics (CPU, memory, handles, GC,
 * event-loop lag).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const RECONCILE_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: "plinth_http_requests_total",
    help: "HTTP requests answered by the API, by route template and status code",
    labelNames: ["method", "route", "code"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "plinth_http_request_duration_seconds",
    help: "Time to answer an API request (to the end of the stream for event streams), by route template and status code",
    labelNames: ["method", "route", "code"] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: "plinth_reconcile_duration_seconds",
    help: "Time one reconcile of a request took (engine up/destroy included), by outcome (ok or error)",
    labelNames: ["outcome"] as const,
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  readonly queueDepth: Gauge = new Gauge({
    name: "plinth_queue_depth",
    help: "Reconciles waiting in the service queue",
    registers: [this.registry],
    collect: (): void => {
      if (this.queueDepthSource) this.queueDepth.set(this.queueDepthSource());
    },
  });
  readonly driftRepairs = new Counter({ name: "plinth_drift_repairs_total", help: "Drifted State Store files rewritten by a reconcile", registers: [this.registry] });
  /** When set, read at scrape time (the service's queue depth). */
  queueDepthSource?: () => number;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** For the core: one reconcile took `seconds`. */
  observeReconcile(seconds: number, ok = true): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`reconcile duration must be a finite number >= 0, got ${seconds}`);
    this.reconcileDuration.observe({ outcome: ok ? "ok" : "error" }, seconds);
  }
  /** For the core: `n` drift repairs were made. */
  incDriftRepairs(n = 1): void {
    this.driftRepairs.inc(n);
  }
  /** For the HTTP layer: one answer, finished. */
  observeHttp(labels: { method: string; route: string; code: string }, seconds: number): void {
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }
  render(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}
