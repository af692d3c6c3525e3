/**
 * A tiny Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with
 * labels. Only what the API service exposes; no dependency.
 */
type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return "{" + keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",") + "}";
}

function formatNumber(n: number): string {
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return Number.isNaN(n) ? "NaN" : String(n);
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}
  protected key(labels: Labels): string {
    for (const k of Object.keys(labels)) {
      if (!this.labelNames.includes(k)) throw new Error(`metric ${this.name} has no label "${k}"`);
    }
    return JSON.stringify(this.labelNames.map((k) => labels[k] ?? ""));
  }
  protected labelsOf(key: string): Labels {
    const values = JSON.parse(key) as string[];
    return Object.fromEntries(this.labelNames.map((k, i) => [k, values[i]]));
  }
  abstract readonly type: string;
  protected abstract samples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
  }
}

export class Counter extends Metric {
  readonly type = "counter";
  private values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} can only increase`);
    const k = this.key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(this.key(labels)) ?? 0;
  }
  protected samples(): string[] {
    if (this.values.size === 0 && this.labelNames.length === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${labelText(this.labelsOf(k))} ${formatNumber(v)}`);
  }
}

export class Gauge extends Metric {
  readonly type = "gauge";
  private value = 0;
  /** When set, read at render time (e.g. the service's queue depth). */
  collect?: () => number;
  set(v: number): void {
    this.value = v;
  }
  get(): number {
    return this.collect ? this.collect() : this.value;
  }
  protected samples(): string[] {
    return [`${this.name} ${formatNumber(this.get())}`];
  }
}

export const DEFAULT_RECONCILE_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600] as const;

export class Histogram extends Metric {
  readonly type = "histogram";
  private counts: number[];
  private sum = 0;
  private count = 0;
  constructor(name: string, help: string, readonly buckets: readonly number[]) {
    super(name, help);
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    if (!Number.isFinite(v) || v < 0) throw new Error(`histogram ${this.name}: observation must be a finite number >= 0`);
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]++;
    });
    this.sum += v;
    this.count++;
  }
  protected samples(): string[] {
    return [
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${formatNumber(b)}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${formatNumber(this.sum)}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

/** The metrics the Automation API service exposes on `GET /metrics`. */
export class Metrics {
  readonly httpRequests = new Counter("plinth_http_requests_total", "HTTP requests answered by the API, by route template and status code", [
    "method",
    "route",
    "code",
  ]);
  readonly reconcileDuration = new Histogram(
    "plinth_reconcile_duration_seconds",
    "Time one reconcile of a request took (engine up/destroy included)",
    DEFAULT_RECONCILE_BUCKETS,
  );
  readonly queueDepth = new Gauge("plinth_queue_depth", "Reconciles waiting in the service queue");
  readonly driftRepairs = new Counter("plinth_drift_repairs_total", "Drifted State Store files rewritten by a reconcile");

  /** For the core: one reconcile took `seconds`. */
  observeReconcile(seconds: number): void {
    this.reconcileDuration.observe(seconds);
  }
  /** For the core: `n` drift repairs were made. */
  incDriftRepairs(n = 1): void {
    this.driftRepairs.inc({}, n);
  }
  render(): string {
    return [this.httpRequests, this.reconcileDuration, this.queueDepth, this.driftRepairs].map((m) => m.render()).join("\n") + "\n";
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
