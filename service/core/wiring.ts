/**
 * Wiring of the service's parts: the platform agent (compound children), the reconciler (with the delete
 * workflow and the agent's hooks) and the Applied tracker (Flux status), each given the service
 * operations it calls back into; and what a stored request needs when the service opens.
 */
import type { Tenant } from "../../components/promise/tenancy";
import { AppliedTracker } from "./applied";
import { conditionOf } from "./conditions";
import { runRequestDeleteWorkflow } from "./delete-workflow";
import { stackNameOf } from "./keys";
import type { PlinthServiceOptions } from "./options";
import { PlatformAgent } from "./platform-agent";
import type { ReconcileQueue } from "./queue";
import { Reconciler } from "./reconciler";
import { stepLogSink, type StepLogStore } from "./step-logs";
import { keyOf, type RequestStore, type StoredRequest } from "./store";
import type { ApplyResult, RequestEvent, RequestKey, RequestStatus } from "./types";

/** The service's state and operations its parts use. */
export interface ServiceParts {
  store: RequestStore;
  stepLogs: StepLogStore;
  /** Applies a compound child as the platform, owned by `owner`. */
  write(object: unknown, owner: RequestKey): Promise<ApplyResult>;
  /** Queues a request's deletion as the platform. */
  remove(key: RequestKey): Promise<void>;
  updateStatus(stack: string, change: (cur: StoredRequest) => RequestStatus | undefined, message?: (rec: StoredRequest) => string | undefined): Promise<void>;
  emit(stack: string, e: Omit<RequestEvent, "time">): void;
  /** `text` with the request's sensitive spec values masked (sensitive-view.ts): step output is shown and stored so. */
  hide(stack: string, text: string): string;
  tenantOf(rec: StoredRequest): Tenant;
  trackApplied(rec: StoredRequest): void;
  /** Created after the parts (it runs the reconciler): read when called. */
  queue(): ReconcileQueue;
  agent(): PlatformAgent;
  applied(): AppliedTracker | undefined;
}

export function createAgent(o: PlinthServiceOptions, s: ServiceParts): PlatformAgent {
  return new PlatformAgent({
    store: s.store,
    stores: o.stores,
    destinations: o.destinations,
    apply: (object, owner) => s.write(object, owner),
    remove: (key) => s.remove(key),
    serves: (apiVersion, kind) => o.promises.some((p) => p.entry.apiVersion === apiVersion && p.entry.kind.toLowerCase() === kind.toLowerCase()),
    updateStatus: (key, change) => s.updateStatus(stackNameOf(key), change),
    log: o.log ?? (() => undefined),
  });
}

export function createReconciler(o: PlinthServiceOptions, s: ServiceParts): Reconciler {
  const promiseOf = (name: string) => o.promises.find((p) => p.definition.name === name);
  const log = o.log ?? (() => undefined);
  const sink = (stack: string, gen: number, phase: string, begin?: boolean) => {
    const write = stepLogSink(s.stepLogs, (e) => s.emit(stack, e), stack, gen, phase, begin);
    return (e: Parameters<typeof write>[0]) => write({ ...e, text: s.hide(stack, e.text) });
  };
  return new Reconciler({
    workspace: o.workspace,
    store: s.store,
    destinations: o.destinations,
    defaultStore: o.stateStores[0]?.name ?? "default",
    promise: promiseOf,
    tenant: (rec) => s.tenantOf(rec),
    emit: (stack, e) => s.emit(stack, e),
    requeue: (stack, delay, flags) => void Promise.resolve(s.queue().add(stack, delay, flags)).catch((err: Error) => log(`${stack} not queued again: ${err.message}`, { stack })),
    maxAttempts: o.maxAttempts ?? 4,
    retryBaseMs: o.retryBaseMs ?? 1000,
    onReconcile: o.onReconcile,
    onDrift: o.onDrift,
    log,
    stepLog: sink,
    backoff: (name) => promiseOf(name)?.backoff,
    deleteWorkflow: (stack, rec) =>
      runRequestDeleteWorkflow(stack, rec, {
        promise: promiseOf,
        patchStatus: (st, change) => s.store.patch(st, (cur) => ({ status: change(cur.status) })),
        emit: (st, e) => s.emit(st, e),
        log,
        stepLog: (st, gen) => sink(st, gen, "delete", true),
      }),
    hooks: {
      afterApply: (rec) => {
        s.trackApplied(rec);
        return s.agent().sync(rec);
      },
      beforeRemove: (rec) => {
        s.applied()?.forget(stackNameOf(keyOf(rec)));
        return s.agent().removeChildren(keyOf(rec));
      },
      afterRemove: (rec) => {
        s.stepLogs.remove(stackNameOf(keyOf(rec)));
        // The index shard that held the request's entry (isolated revisions) is the source to fetch.
        s.applied()?.nudge(rec.status.destinations ?? [], { namespace: rec.object.metadata.namespace ?? "default", promise: rec.promise, name: rec.object.metadata.name });
        // A name may have been freed for a compound parent stalled on ChildConflict.
        for (const parent of s.agent().conflicted()) void Promise.resolve(s.queue().add(stackNameOf(keyOf(parent)))).catch(() => undefined);
      },
      statusChanged: (rec) => s.agent().childChanged(rec),
    },
  });
}

/** Follows cluster destinations' Flux into each request's `Applied` condition (none without clusters). */
export function createAppliedTracker(o: PlinthServiceOptions, s: ServiceParts): AppliedTracker | undefined {
  if (!o.clusters?.length) return undefined;
  return new AppliedTracker({
    sources: o.clusters,
    contains: (destination, commit, ancestor, branch) => {
      const d = o.destinations.find((x) => x.name === destination);
      return o.stores.writer(d?.stateStore ?? o.stateStores[0].name).contains({ commit, ancestor, ...(branch ? { branch } : {}) });
    },
    update: (stack, change) =>
      void s.updateStatus(
        stack,
        (cur) => {
          const next = change(cur.status.conditions);
          return next === cur.status.conditions ? undefined : { ...cur.status, conditions: next };
        },
        (rec) => conditionOf(rec.status.conditions, "Applied")?.message,
      ).catch((err: Error) => o.log?.(`Applied condition of ${stack} not saved: ${err.message}`)),
    log: o.log,
  });
}

/**
 * Queues what each stored request needs when the service opens (oldest first): clears locks left by a
 * dead process and resumes every unfinished request; see `resumeAction`.
 */
export async function resumeStored(
  loaded: StoredRequest[],
  o: PlinthServiceOptions,
  svc: { reconciler: Reconciler; queue: ReconcileQueue; applied: AppliedTracker | undefined; later(rec: StoredRequest, delayMs: number): void },
): Promise<void> {
  const sorted = [...loaded].sort((a, b) => a.object.metadata.creationTimestamp.localeCompare(b.object.metadata.creationTimestamp));
  for (const rec of sorted) {
    const stack = stackNameOf(keyOf(rec));
    const action = resumeAction(rec, o);
    if (action === "reschedule") svc.reconciler.rescheduled.add(stack);
    if (action === "reschedule" || action === "resume") {
      const n = o.workspace.clearDeadLocks(stack);
      if (n) o.log?.(`cleared ${n} lock(s) of ${stack} left by a dead process`);
      await svc.queue.add(stack);
    } else if (action === "rerun") svc.later(rec, Math.max(0, Date.parse(rec.status.nextRunTime!) - Date.now()));
    else if (action === "track") trackApplied(svc.applied, rec);
    else if (action === "follow-health") trackApplied(svc.applied, rec, { healthOnly: true });
  }
}

/**
 * What a stored request needs when the service opens: `resume` an unfinished one (deleting, a newer
 * generation, or an older revision of its Promise); `reschedule` one placed on a destination that is gone
 * or waiting for one; `rerun` one whose step asked for a re-run (`retryAfter`) before the service stopped;
 * `track` one still waiting for Flux; `follow-health` one applied whose health Flux keeps checking;
 * nothing otherwise.
 */
export function resumeAction(rec: StoredRequest, o: Pick<PlinthServiceOptions, "promises" | "destinations">): "resume" | "reschedule" | "rerun" | "track" | "follow-health" | undefined {
  const md = rec.object.metadata;
  const revision = o.promises.find((p) => p.definition.name === rec.promise)?.revision;
  const unplaced =
    !md.deletionTimestamp &&
    ((rec.status.destinations ?? []).some((d) => !o.destinations.some((x) => x.name === d)) || conditionOf(rec.status.conditions, "Scheduled")?.status === "False");
  if (unplaced) return "reschedule";
  if (md.deletionTimestamp || rec.status.observedGeneration < md.generation || (revision !== undefined && rec.status.promiseRevision !== revision)) return "resume";
  if (rec.status.nextRunTime && conditionOf(rec.status.conditions, "Stalled")?.status !== "True") return "rerun";
  if (conditionOf(rec.status.conditions, "Applied")?.status === "Unknown") return "track";
  if (conditionOf(rec.status.conditions, "Applied")?.status === "True" && conditionOf(rec.status.conditions, "Healthy")) return "follow-health";
  return undefined;
}

/**
 * Follows the commits of a request's files on its cluster destinations into its `Applied` condition (with
 * `healthOnly`, an applied request's `Healthy` only).
 */
export function trackApplied(applied: AppliedTracker | undefined, rec: StoredRequest, o: { healthOnly?: boolean } = {}): void {
  if (!applied) return;
  const seen = new Set<string>();
  const targets = [];
  for (const f of rec.status.files ?? []) {
    const k = `${f.destination}\u0000${f.commit}`;
    if (seen.has(k)) continue;
    seen.add(k);
    targets.push({ destination: f.destination, commit: f.commit });
  }
  const m = rec.object.metadata;
  const request = { namespace: m.namespace ?? "default", promise: rec.promise, name: m.name };
  if (o.healthOnly) applied.followHealth(stackNameOf(keyOf(rec)), request, targets);
  else applied.track(stackNameOf(keyOf(rec)), request, targets);
}
