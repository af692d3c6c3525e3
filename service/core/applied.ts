/**
 * Closed-loop status for cluster Destinations: after a request's files are committed, ask Flux on each of
 * its cluster destinations to reconcile at once, then read back the request's own Flux Kustomization
 * until it has applied that commit (or a later one), and record the outcome as the request's `Applied`
 * condition: True with the revision applied, False with Flux's own message, Unknown while waiting. Where
 * the Promise asks for health checks, `Healthy` follows the Kustomization's checks, after `Applied` too.
 */
import { conditionOf, setCondition } from "./conditions";
import type { Condition } from "./types";
import type { ClusterStatusSource, FluxKustomizationState } from "../../components/flux/status-source";
import { healthCondition, judge, type AppliedTarget, type Verdict } from "./flux-verdict";

export type { ClusterStatusSource, FluxKustomizationState };
export { healthCondition, judge, revisionCommit, type AppliedTarget, type Verdict } from "./flux-verdict";

export interface AppliedTrackerOptions {
  sources: ClusterStatusSource[];
  /**
   * Whether `commit` is `ancestor` or a descendant of it, in the destination's State Store; `branch`: the
   * branch Flux read `commit` from (a scope branch's commit may not be in the writer's cache yet).
   */
  contains(destination: string, commit: string, ancestor: string, branch?: string): Promise<boolean>;
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

/** A request whose `Applied` settled and whose Kustomizations run health checks: `Healthy` is still followed. */
interface Followed extends Tracked {
  /** Flux gave a verdict (True or False); until then it is polled like a pending request. */
  settled: boolean;
  /** `<destination>/<kustomization>` of each target: what watch events are matched against. */
  keys: string[];
}

export class AppliedTracker {
  private readonly tracked = new Map<string, Tracked>();
  /**
   * After `Applied` settles, `Healthy` keeps following the request's Kustomizations (Flux re-runs the
   * checks on every reconcile: an object may become ready, or stop being ready, long after the apply):
   * by watch events for as long as the request is followed, and by polling until Flux's first verdict.
   */
  private readonly health = new Map<string, Followed>();
  /** Followed requests by `<destination>/<kustomization>` key. */
  private readonly healthKeys = new Map<string, Set<string>>();
  /** Followed requests whose Kustomization changed since the last poll. */
  private readonly dirty = new Set<string>();
  private readonly lastError = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private closed = false;

  private readonly unwatch: (() => void)[] = [];
  private readonly watching = new Set<string>();

  constructor(private readonly o: AppliedTrackerOptions) {
    for (const source of o.sources) {
      if (!source.watch) continue;
      this.watching.add(source.destination);
      this.unwatch.push(
        source.watch((name) => {
          // A change of a followed request's Kustomization (or of any, after a re-list): check now.
          const followed = name === undefined ? [...this.health.keys()] : [...(this.healthKeys.get(`${source.destination}/${name}`) ?? [])];
          for (const stack of followed) this.dirty.add(stack);
          const hit = followed.length > 0 || name === undefined || [...this.tracked.values()].some((t) => t.targets.some((x) => x.destination === source.destination) && source.kustomizationName(t.request) === name);
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
    this.unfollow(stack);
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

  /**
   * Follows the `Healthy` of a request whose `Applied` settled before (the service restarted): polled
   * until Flux's verdict, then, where the destination is watched, by its events. `Applied` is left as is.
   */
  followHealth(stack: string, request: Tracked["request"], targets: AppliedTarget[]): void {
    const relevant = targets.filter((t) => t.commit && this.o.sources.some((s) => s.destination === t.destination));
    if (relevant.length === 0 || this.tracked.has(stack)) return;
    this.unfollow(stack);
    this.follow(stack, { request, targets: relevant, since: Date.now() }, false);
    this.schedule(0);
  }

  /** Stops following a request (deleted). */
  forget(stack: string): void {
    this.tracked.delete(stack);
    this.unfollow(stack);
    this.lastError.delete(stack);
  }

  private follow(stack: string, t: Tracked, settled: boolean): void {
    const keys = t.targets.map((x) => `${x.destination}/${this.o.sources.find((s) => s.destination === x.destination)!.kustomizationName(t.request)}`);
    this.health.set(stack, { ...t, settled, keys });
    for (const k of keys) this.healthKeys.set(k, (this.healthKeys.get(k) ?? new Set()).add(stack));
  }

  private unfollow(stack: string): void {
    const f = this.health.get(stack);
    if (!f) return;
    this.health.delete(stack);
    this.dirty.delete(stack);
    for (const k of f.keys) {
      const set = this.healthKeys.get(k);
      set?.delete(stack);
      if (set?.size === 0) this.healthKeys.delete(k);
    }
  }

  /** Asks Flux on these destinations to fetch the State Store now (e.g. after a request's files were removed). */
  nudge(destinations: readonly string[], request?: Tracked["request"]): void {
    for (const d of new Set(destinations)) {
      this.o.sources.find((s) => s.destination === d)?.requestReconcile(request).catch((err) => this.o.log?.(`flux on ${d}: reconcile request failed: ${(err as Error).message}`));
    }
  }

  /** Requests whose `Applied` is still to settle. */
  pending(): number {
    return this.tracked.size;
  }

  /** Requests whose `Healthy` is followed after `Applied` settled. */
  followingHealth(): number {
    return this.health.size;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const stop of this.unwatch.splice(0)) stop();
    this.tracked.clear();
    this.health.clear();
    this.healthKeys.clear();
    this.dirty.clear();
  }

  /** Anything to poll: a pending request, a followed one without Flux's verdict yet, or a changed one. */
  private get due(): boolean {
    return this.tracked.size > 0 || this.dirty.size > 0 || [...this.health.values()].some((f) => !f.settled);
  }

  private schedule(delay: number): void {
    if (this.closed || !this.due) return;
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
    const changed = new Set(this.dirty);
    this.dirty.clear();
    const outcome = (stack: string) => [
      () => this.lastError.delete(stack),
      (err: unknown) => {
        // An unreachable cluster fails every poll: say so once per distinct error, not every 250 ms.
        const msg = (err as Error).message;
        if (this.lastError.get(stack) !== msg) this.o.log?.(`applied status of ${stack}: ${msg}`);
        this.lastError.set(stack, msg);
      },
    ] as const;
    try {
      for (const [stack, t] of [...this.tracked]) {
        oldest = Math.min(oldest, t.since);
        await this.check(stack, t).then(...outcome(stack));
      }
      for (const [stack, f] of [...this.health]) {
        if (f.settled && !changed.has(stack)) continue;
        if (!f.settled) oldest = Math.min(oldest, f.since);
        await this.checkHealth(stack, f).then(...outcome(stack));
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

  private async verdicts(t: Tracked): Promise<{ target: AppliedTarget; v: Verdict; k: FluxKustomizationState | undefined }[]> {
    const verdicts: { target: AppliedTarget; v: Verdict; k: FluxKustomizationState | undefined }[] = [];
    // One read per destination, however many of the request's commits landed there.
    const states = new Map<string, Promise<FluxKustomizationState | undefined>>();
    for (const target of t.targets) {
      const source = this.o.sources.find((s) => s.destination === target.destination)!;
      if (!states.has(source.destination)) states.set(source.destination, source.readKustomization(source.kustomizationName(t.request)));
      const k = await states.get(source.destination)!;
      verdicts.push({ target, k, v: await judge(k, (c, branch) => this.o.contains(target.destination, c, target.commit, branch)) });
    }
    return verdicts;
  }

  /**
   * `Healthy` of a request whose `Applied` settled: changed only to Flux's verdicts (True / False), so it
   * does not flap to Unknown while Flux re-runs the checks of a periodic reconcile. A polled source's
   * request stops being followed at the verdict (a watched one is followed until re-tracked or forgotten).
   */
  private async checkHealth(stack: string, f: Followed): Promise<void> {
    const healthy = healthCondition(await this.verdicts(f), false);
    if (this.health.get(stack) !== f) return; // re-tracked or forgotten meanwhile
    if (!healthy) return this.unfollow(stack);
    if (healthy.status === "Unknown") return;
    f.settled = true;
    if (!f.targets.some((x) => this.watching.has(x.destination))) this.unfollow(stack);
    this.o.update(stack, (cs) => {
      const prev = conditionOf(cs, "Healthy");
      return prev && prev.status === healthy.status && prev.reason === healthy.reason && prev.message === healthy.message ? cs : setCondition(cs, healthy);
    });
  }

  private async check(stack: string, t: Tracked): Promise<void> {
    const verdicts = await this.verdicts(t);
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
    const healthy = healthCondition(verdicts, pending.length > 0);
    if (!pending.length || failed.length) {
      this.tracked.delete(stack);
      // Applied: Flux re-checks health on every reconcile; keep following it (not after a failed apply):
      // until Flux's verdict, and past it where a watch tells of later changes.
      const settled = healthy?.status !== "Unknown";
      if (healthy && !failed.length && (!settled || t.targets.some((x) => this.watching.has(x.destination)))) this.follow(stack, t, settled);
    }
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
