/**
 * Closed-loop status for cluster Destinations: after a request's files are committed, ask Flux on each of
 * its cluster destinations to reconcile at once, then read back the request's own Flux Kustomization
 * until it has applied that commit (or a later one), and record the outcome as the request's `Applied`
 * condition: True with the revision applied, False with Flux's own message, Unknown while waiting.
 */
import { conditionOf, setCondition } from "./conditions";
import type { Condition } from "./types";
import type { ClusterStatusSource, FluxKustomizationState } from "../../components/flux/status-source";

export type { ClusterStatusSource, FluxKustomizationState };

/** Kustomization `Ready=False` reasons that mean "not yet" rather than "failed". */
const WAITING_REASONS = new Set(["DependencyNotReady", "Progressing", "ProgressingWithRetry", "ArtifactFailed", "SourceNotReady"]);

/** The commit id in a Flux revision (`main@sha1:<id>`, or a bare id). */
export function revisionCommit(revision: string | undefined): string | undefined {
  return revision ? /(?:sha1:)?([0-9a-f]{40})$/.exec(revision)?.[1] : undefined;
}

export type Verdict = { state: "pending"; message: string } | { state: "applied"; revision: string; unhealthy?: boolean } | { state: "failed"; reason: string; message: string; revision: string };

/**
 * Pure: what one Kustomization says about a target commit. `contains(c)` tells whether commit `c` is the
 * target or a descendant of it.
 */
export async function judge(k: FluxKustomizationState | undefined, contains: (commit: string) => Promise<boolean>): Promise<Verdict> {
  if (!k) return { state: "pending", message: "waiting for Flux to create the request's Kustomization" };
  const applied = revisionCommit(k.lastAppliedRevision);
  const attempted = revisionCommit(k.lastAttemptedRevision);
  const ready = k.ready;
  if (ready?.status === "True" && applied && (await contains(applied))) return { state: "applied", revision: k.lastAppliedRevision! };
  // Applied, but what it applied failed its health checks (Flux keeps lastAppliedRevision for healthy ones).
  if (ready?.reason === "HealthCheckFailed" && attempted && (await contains(attempted))) return { state: "applied", revision: k.lastAttemptedRevision!, unhealthy: true };
  if (ready?.status === "False" && !WAITING_REASONS.has(ready.reason) && attempted && (await contains(attempted))) {
    return { state: "failed", reason: ready.reason, message: ready.message, revision: k.lastAttemptedRevision! };
  }
  return { state: "pending", message: ready ? `Flux: ${ready.reason}: ${ready.message}` : "waiting for Flux to reconcile" };
}

export interface AppliedTarget {
  destination: string;
  /** The commit holding the request's files for that destination. */
  commit: string;
}

export interface AppliedTrackerOptions {
  sources: ClusterStatusSource[];
  /** Whether `commit` is `ancestor` or a descendant of it, in the destination's State Store. */
  contains(destination: string, commit: string, ancestor: string): Promise<boolean>;
  /** Reads the request's current conditions and writes new ones (the service saves and emits). */
  update(stack: string, change: (conditions: Condition[]) => Condition[]): void;
  log?: (line: string) => void;
  /** Poll period while anything is pending (default 100 ms; slows to 2 s after a minute). */
  intervalMs?: number;
  /**
   * Poll period when every source watches (default 2 s; 10 s after a minute): watch events drive the
   * checks, the poll is only a safety net.
   */
  fallbackMs?: number;
}

interface Tracked {
  request: { namespace: string; promise: string; name: string };
  targets: AppliedTarget[];
  since: number;
}

export class AppliedTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly lastError = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private closed = false;

  private readonly unwatch: (() => void)[] = [];

  constructor(private readonly o: AppliedTrackerOptions) {
    for (const source of o.sources) {
      if (!source.watch) continue;
      this.unwatch.push(
        source.watch((name) => {
          // A change of a followed request's Kustomization (or of any, after a re-list): check now.
          const hit = name === undefined || [...this.tracked.values()].some((t) => t.targets.some((x) => x.destination === source.destination) && source.kustomizationName(t.request) === name);
          if (hit) this.schedule(0);
        }),
      );
    }
  }

  /** Every source watches: polling is only a fallback. */
  private get watched(): boolean {
    return this.unwatch.length === this.o.sources.length;
  }

  /** The sources followed (one per cluster destination). */
  sources(): readonly ClusterStatusSource[] {
    return this.o.sources;
  }

  /** The cluster destinations among `destinations`. */
  clusterDestinations(destinations: readonly string[]): string[] {
    return destinations.filter((d) => this.o.sources.some((s) => s.destination === d));
  }

  /**
   * Starts following a request's commits on its cluster destinations (replacing what was followed for it).
   * No cluster target: any old `Applied` condition is dropped.
   */
  track(stack: string, request: Tracked["request"], targets: AppliedTarget[]): void {
    const relevant = targets.filter((t) => t.commit && this.o.sources.some((s) => s.destination === t.destination));
    if (relevant.length === 0) {
      this.tracked.delete(stack);
      this.o.update(stack, (cs) => cs.filter((c) => c.type !== "Applied"));
      return;
    }
    this.tracked.set(stack, { request, targets: relevant, since: Date.now() });
    this.o.update(stack, (cs) =>
      setCondition(cs, { type: "Applied", status: "Unknown", reason: "Progressing", message: `waiting for Flux on ${relevant.map((t) => `${t.destination} (${t.commit.slice(0, 7)})`).join(", ")}` }),
    );
    this.nudge(relevant.map((t) => t.destination), request);
    this.schedule(0);
  }

  /** Stops following a request (deleted). */
  forget(stack: string): void {
    this.tracked.delete(stack);
    this.lastError.delete(stack);
  }

  /** Asks Flux on these destinations to fetch the State Store now (e.g. after a request's files were removed). */
  nudge(destinations: readonly string[], request?: Tracked["request"]): void {
    for (const d of new Set(destinations)) {
      this.o.sources.find((s) => s.destination === d)?.requestReconcile(request).catch((err) => this.o.log?.(`flux on ${d}: reconcile request failed: ${(err as Error).message}`));
    }
  }

  pending(): number {
    return this.tracked.size;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const stop of this.unwatch.splice(0)) stop();
    this.tracked.clear();
  }

  private schedule(delay: number): void {
    if (this.closed || this.tracked.size === 0) return;
    if (this.polling) {
      this.again = true; // a change seen mid-poll: poll again at once when it ends
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delay);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    this.polling = true;
    this.again = false;
    let oldest = Date.now();
    try {
      for (const [stack, t] of [...this.tracked]) {
        oldest = Math.min(oldest, t.since);
        await this.check(stack, t).then(
          () => this.lastError.delete(stack),
          (err) => {
            // An unreachable cluster fails every poll: say so once per distinct error, not every 250 ms.
            const msg = (err as Error).message;
            if (this.lastError.get(stack) !== msg) this.o.log?.(`applied status of ${stack}: ${msg}`);
            this.lastError.set(stack, msg);
          },
        );
      }
    } finally {
      this.polling = false;
    }
    const old = Date.now() - oldest > 60_000;
    if (this.again) this.schedule(0);
    else if (this.watched) {
      const base = this.o.fallbackMs ?? 2000;
      this.schedule(old ? Math.max(base, 10_000) : base);
    } else {
      const base = this.o.intervalMs ?? 100;
      this.schedule(old ? Math.max(base, 2000) : base);
    }
  }

  private async check(stack: string, t: Tracked): Promise<void> {
    const verdicts: { target: AppliedTarget; v: Verdict; k: FluxKustomizationState | undefined }[] = [];
    // One read per destination, however many of the request's commits landed there.
    const states = new Map<string, Promise<FluxKustomizationState | undefined>>();
    for (const target of t.targets) {
      const source = this.o.sources.find((s) => s.destination === target.destination)!;
      if (!states.has(source.destination)) states.set(source.destination, source.readKustomization(source.kustomizationName(t.request)));
      const k = await states.get(source.destination)!;
      verdicts.push({ target, k, v: await judge(k, (c) => this.o.contains(target.destination, c, target.commit)) });
    }
    if (this.tracked.get(stack) !== t) return; // re-tracked meanwhile
    const failed = verdicts.filter((x) => x.v.state === "failed");
    const pending = verdicts.filter((x) => x.v.state === "pending");
    let next: Omit<Condition, "lastTransitionTime">;
    if (failed.length) {
      next = {
        type: "Applied",
        status: "False",
        reason: (failed[0].v as { reason: string }).reason,
        message: failed.map((x) => `${x.target.destination}: ${(x.v as { message: string }).message}`).join("; "),
      };
    } else if (pending.length) {
      next = { type: "Applied", status: "Unknown", reason: "Progressing", message: pending.map((x) => `${x.target.destination}: ${(x.v as { message: string }).message}`).join("; ") };
    } else {
      next = { type: "Applied", status: "True", reason: "ReconciliationSucceeded", message: verdicts.map((x) => `${x.target.destination}: applied ${(x.v as { revision: string }).revision}`).join("; ") };
    }
    if (!pending.length || failed.length) this.tracked.delete(stack);
    const healthy = healthCondition(verdicts, pending.length > 0);
    this.o.update(stack, (cs) => {
      let out = cs;
      for (const c of [next, healthy]) {
        if (!c) continue;
        const prev = conditionOf(out, c.type);
        if (!(prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message)) out = setCondition(out, c);
      }
      // The Promise no longer asks for health checks: no Healthy condition.
      if (!healthy && conditionOf(out, "Healthy")) out = out.filter((c) => c.type !== "Healthy");
      return out;
    });
  }
}

/**
 * Pure: the request's `Healthy` condition from the Kustomizations that run health checks (`wait`), or
 * undefined when none does. False when any failed (Flux's message), Unknown while any is checking or a
 * newer revision is still to be applied, True when all passed.
 */
export function healthCondition(verdicts: { target: AppliedTarget; v: Verdict; k: FluxKustomizationState | undefined }[], pending: boolean): Omit<Condition, "lastTransitionTime"> | undefined {
  const checked = verdicts.filter((x) => x.k?.health);
  if (!checked.length) return undefined;
  const says = (x: (typeof checked)[number]) => `${x.target.destination}: ${x.k!.health!.message}`;
  const failed = checked.filter((x) => x.k!.health!.status === "False" && x.v.state === "applied");
  if (failed.length) return { type: "Healthy", status: "False", reason: "HealthCheckFailed", message: failed.map(says).join("; ") };
  if (pending || checked.some((x) => x.k!.health!.status !== "True" || x.v.state !== "applied")) {
    return { type: "Healthy", status: "Unknown", reason: "Progressing", message: "waiting for Flux's health checks of the applied revision" };
  }
  return { type: "Healthy", status: "True", reason: "HealthCheckSucceeded", message: checked.map(says).join("; ") };
}
