/**
 * Reconciling one request: `up` its stack with the request program (create the stack first time), or
 * `destroy` and remove it when deleted. Transient failures (a contended push, a locked stack) are
 * retried with backoff; after `maxAttempts` failures the request is `Stalled` with the error.
 */
import type { RequestPlanStatus as PlanStatus } from "../../components/promise/request-status";
import type { Tenant } from "../../components/promise/tenancy";
import type { ResolvedDestination } from "../../components/vocabulary/destination";
import { OperationError, errorsOf, type EngineEvent, type EngineWorkspace } from "../engine";
import type { StepLogSink } from "../../components/workflow/types";
import { conditionOf, setCondition } from "./conditions";
import { DeleteWorkflowError, backoffDelay, deleteFailedStatus } from "./delete-workflow";
import { PERMANENT, STORE_RETRY_MAX_MS, attemptLimit, failureKind } from "./failures";
import type { Backoff } from "./installed";
import { applyWorkflowControl, withoutManualReconciliation, workflowStatusFields, type PlannedControl } from "./workflow-control";
import { requestProgram } from "./program";
import type { ReconcileFlags } from "./queue";
import type { InstalledPromise } from "./installed";
import { keyOf, type RequestStore, type StoredRequest } from "./store";
import type { RequestEvent, RequestStatus, WrittenFile } from "./types";
import type { LogFields, LogFn } from "../log/logger";

export interface ReconcilerOptions {
  workspace: EngineWorkspace;
  store: RequestStore;
  destinations: ResolvedDestination[];
  defaultStore: string;
  promise: (name: string) => InstalledPromise | undefined;
  /** The team a request is reconciled for (its tenancy: where its workflow may render objects). */
  tenant: (rec: StoredRequest) => Tenant;
  emit: (stack: string, e: Omit<RequestEvent, "time">) => void;
  requeue: (stack: string, delayMs: number, flags?: ReconcileFlags) => void;
  maxAttempts: number;
  retryBaseMs: number;
  onReconcile?: (seconds: number, ok: boolean) => void;
  /** Placements found changed in Git and restored. */
  onDrift?: (count: number) => void;
  log: LogFn;
  /** Runs the request's delete workflow before its files and stack are removed (throws DeleteWorkflowError). */
  deleteWorkflow?: (stack: string, rec: StoredRequest) => Promise<void>;
  /** Step log sink of a run of `phase` at `generation` (a new configure run replaces that generation's log). */
  stepLog?: (stack: string, generation: number, phase: "configure" | "delete", begin?: boolean) => StepLogSink;
  /** Retry limits of a Promise (platform config `promises[].backoff`). */
  backoff?: (promise: string) => Backoff | undefined;
  /** Compound Promises: the platform agent's hooks. */
  hooks?: {
    afterApply(rec: StoredRequest): Promise<void>;
    beforeRemove(rec: StoredRequest): Promise<void>;
    /** After a request's stack was destroyed (its files are gone from Git). */
    afterRemove?(rec: StoredRequest): void;
    statusChanged(rec: StoredRequest): Promise<void>;
  };
}

export class Reconciler {
  private readonly attempts = new Map<string, number>();
  /** Stacks whose next reconcile reads Git first and runs even when nothing changed (drift repair). */
  readonly forced = new Set<string>();
  /** Stacks whose next reconcile runs the workflow again although nothing changed (a step's `retryAfter`). */
  private readonly rerun = new Set<string>();
  /** Stacks whose next reconcile runs even when nothing changed: their destination went away (reschedule). */
  readonly rescheduled = new Set<string>();

  constructor(private readonly o: ReconcilerOptions) {}

  /** `signal` (shared mode) aborts the stack operation when this replica lost the key's lease. */
  async reconcile(stack: string, signal?: AbortSignal, flags?: ReconcileFlags): Promise<void> {
    if (flags?.force) this.forced.add(stack);
    if (flags?.rerun) this.rerun.add(stack);
    // Shared mode: the record as the database has it (this replica's mirror may lag by milliseconds).
    const rec = this.o.store.shared ? await this.o.store.refresh(stack) : this.o.store.getByStack(stack);
    if (!rec) return;
    const started = Date.now();
    const gen = rec.object.metadata.generation;
    try {
      if (rec.object.metadata.deletionTimestamp) await this.remove(stack, rec, signal);
      else {
        const installed = this.o.promise(rec.promise);
        const upToDate = rec.status.observedGeneration === gen && rec.status.promiseRevision === installed?.revision;
        // The Kratix label `kratix.io/manual-reconciliation: "true"` forces a run and is removed.
        const unlabelled = withoutManualReconciliation(rec.object);
        const snapshot = unlabelled ? await this.o.store.write({ ...rec, object: unlabelled }, rec.object.metadata.resourceVersion) : rec;
        const force = this.forced.delete(stack) || unlabelled !== undefined;
        const rescheduled = this.rescheduled.delete(stack);
        const rerun = this.rerun.delete(stack) || rescheduled;
        if (!force && !rerun && upToDate && conditionOf(rec.status.conditions, "Ready")?.status === "True") return;
        await this.apply(stack, snapshot, force, signal);
      }
      this.attempts.delete(stack);
      this.o.onReconcile?.((Date.now() - started) / 1000, true);
    } catch (err) {
      this.o.onReconcile?.((Date.now() - started) / 1000, false);
      await this.fail(stack, err);
    }
  }

  private engineListener(stack: string): (e: EngineEvent) => void {
    return (e) => {
      const pre = e.resourcePreEvent?.metadata;
      if (pre && pre.op !== "same") this.o.emit(stack, { type: "engine", message: `${pre.op} ${pre.type} ${pre.urn.split("::").pop()}` });
      const d = e.diagnosticEvent;
      if (d && (d.severity === "error" || d.severity === "warning")) this.o.emit(stack, { type: "engine", message: `${d.severity}: ${d.message.trim()}` });
    };
  }

  /**
   * Runs `up` with the request as it was read (`rec`, an immutable snapshot). Whatever it writes back is
   * merged into the record as it is *then* (status only): an object changed meanwhile (a PUT, a DELETE)
   * keeps its change and is reconciled again by the queue.
   */
  private async apply(stack: string, rec: StoredRequest, refresh = false, signal?: AbortSignal): Promise<void> {
    const gen = rec.object.metadata.generation;
    const installed = this.o.promise(rec.promise);
    if (!installed) throw new Error(`Promise "${rec.promise}" is no longer installed`);
    const reconciling = await this.o.store.patch(stack, (cur) => ({
      status: { ...cur.status, conditions: setCondition(cur.status.conditions, { type: "Reconciling", status: "True", reason: "Reconciling", message: `reconciling generation ${gen}` }) },
    }));
    this.o.emit(stack, { type: "status", message: "reconciling", data: reconciling?.status });
    const ws = this.o.workspace;
    let stackCreated = rec.stackCreated;
    if (!stackCreated) {
      await ws.createStack(stack, { signal });
      // `stack init` rewrites the settings file: put the request (as it is now) back in its config.
      await this.o.store.restoreObject(stack);
      // Shared mode: the stack's secrets settings go with the record, for the replica that runs it next.
      const stackSettings = this.o.store.shared ? ws.stackSecretsSettings(stack) : undefined;
      const now = await this.o.store.patch(stack, () => ({ stackCreated: true, ...(stackSettings ? { stackSettings } : {}) }));
      stackCreated = true;
      // Deleted or changed while the stack was created: the queue runs it again with the newer record.
      if (!now || now.object.metadata.deletionTimestamp || now.object.metadata.generation !== gen) return;
    } else if (this.o.store.shared) await this.o.store.restoreObject(stack); // the settings file is a cache there
    const previous = (rec.status as RequestStatus & { groups?: PlanStatus["destinations"] }).groups;
    const res = await ws.stack(stack).up({
      program: requestProgram(rec.object.metadata.name, {
        promise: installed.definition,
        config: installed.config,
        request: { apiVersion: rec.object.apiVersion, kind: rec.object.kind, metadata: rec.object.metadata, spec: rec.object.spec },
        destinations: this.o.destinations,
        store: this.o.defaultStore,
        previousDestinations: previous,
        log: this.o.stepLog?.(stack, gen, "configure", true),
        tenant: this.o.tenant(rec),
      }),
      onEvent: this.engineListener(stack),
      signal,
      message: `reconcile generation ${gen}`,
      refresh: refresh && stackCreated,
    });
    const plan = res.outputs.status as PlanStatus;
    const commits = new Map<string, string>();
    for (const e of res.events) {
      const m = e.resOutputsEvent?.metadata;
      if (m?.type === "plinth:index:Placement" && m.new?.outputs) commits.set(String(m.new.outputs.dir), String(m.new.outputs.commit));
    }
    // Placements rewritten although neither the request nor the Promise changed: Git was edited by hand.
    const sameInputs = refresh && rec.status.observedGeneration === gen && rec.status.promiseRevision === installed.revision;
    const repaired = sameInputs
      ? res.events.filter((e) => e.resourcePreEvent?.metadata.type === "plinth:index:Placement" && ["update", "create"].includes(e.resourcePreEvent.metadata.op)).map((e) => e.resourcePreEvent!.metadata.urn.split("::").pop()!)
      : [];
    const files: WrittenFile[] = [];
    for (const p of plan.placements ?? []) for (const f of p.files) files.push({ destination: p.destination, path: `${p.dir}/${f}`, commit: commits.get(p.dir) ?? "" });
    let rerunInMs: number | undefined;
    const current = await this.o.store.patch(stack, (cur) => {
      const applied = this.appliedStatus(cur.status, { gen, plan, files, repaired, installed, outputs: res.outputs.outputs });
      const control = applyWorkflowControl({ ...workflowStatusFields(plan), ...applied, history: cur.status.history }, plan.workflowControl as PlannedControl | undefined);
      rerunInMs = control.rerunInMs;
      return { status: control.status };
    });
    if (!current) return;
    if (rerunInMs !== undefined) {
      this.rerun.add(stack);
      this.o.requeue(stack, rerunInMs, { rerun: true });
    }
    try {
      await this.o.hooks?.afterApply(current);
    } catch (err) {
      throw new Error(`child requests of ${stack}: ${(err as Error).message}`, { cause: err });
    }
    await this.o.hooks?.statusChanged(current);
    this.o.log(`reconciled ${stack} generation ${gen} in ${res.durationMs} ms`, this.about(stack, current));
    if (repaired.length) {
      this.o.onDrift?.(repaired.length);
      this.o.emit(stack, { type: "workflow", message: `drift repaired: ${repaired.join(", ")} restored from the request` });
    }
    const now = this.o.store.getByStack(stack) ?? current;
    this.o.emit(stack, { type: "status", message: now.status.message, data: now.status });
  }

  /** The status after a successful `up` of generation `gen`, merged into the current one. */
  private appliedStatus(
    cur: RequestStatus,
    r: { gen: number; plan: PlanStatus; files: WrittenFile[]; repaired: string[]; installed: InstalledPromise; outputs: unknown },
  ): RequestStatus {
    // A previous Stalled is over once `up` succeeded; the plan may report a new one (NoDestination).
    // SecretsEncrypted is only there while the plan says plaintext Secrets were written.
    let conditions = cur.conditions.filter((c) => c.type !== "Stalled" && c.type !== "SecretsEncrypted");
    for (const c of r.plan.conditions ?? []) conditions = setCondition(conditions, { type: c.type, status: c.status as "True" | "False", reason: c.reason ?? "", message: c.message ?? "" });
    const written = conditionOf(conditions, "Ready")!;
    conditions = setCondition(conditions, { type: "ResourcesWritten", status: written.status, reason: written.reason, message: written.message });
    conditions = setCondition(conditions, { type: "Reconciling", status: "False", reason: "Reconciled", message: `generation ${r.gen} reconciled` });
    const status: RequestStatus & { groups?: PlanStatus["destinations"] } = {
      conditions,
      observedGeneration: r.gen,
      message: r.plan.message,
      destinations: [...new Set((r.plan.destinations ?? []).map((d) => d.destination))],
      files: r.files,
      outputs: (r.outputs as Record<string, unknown>) ?? {},
      promiseVersion: r.installed.definition.version,
      promiseRevision: r.installed.revision,
      groups: withUnscheduled(r.plan.destinations ?? [], (cur as RequestStatus & { groups?: PlanStatus["destinations"] }).groups ?? []),
      ...(r.repaired.length
        ? { drift: { repairedAt: new Date().toISOString(), dirs: r.repaired, count: (cur.drift?.count ?? 0) + r.repaired.length } }
        : cur.drift
          ? { drift: cur.drift }
          : {}),
      ...(cur.children ? { children: cur.children } : {}),
    };
    return status;
  }

  private async remove(stack: string, rec: StoredRequest, signal?: AbortSignal): Promise<void> {
    this.o.emit(stack, { type: "workflow", message: "running delete: removing the files this request wrote" });
    await this.o.deleteWorkflow?.(stack, rec);
    await this.o.hooks?.beforeRemove(rec);
    if (rec.stackCreated) {
      if (this.o.store.shared) await this.o.store.restoreObject(stack);
      await this.o.workspace.stack(stack).destroy({ onEvent: this.engineListener(stack), signal, message: "delete request" });
      await this.o.workspace.removeStack(stack);
    }
    await this.o.store.remove(keyOf(rec), rec.object.metadata.uid);
    this.o.hooks?.afterRemove?.(rec);
    this.o.emit(stack, { type: "deleted", message: "deleted" });
  }

  /** The log fields of a line about `stack`: its team and request when the record is known. */
  private about(stack: string, rec: StoredRequest | undefined): LogFields {
    if (!rec) return { stack };
    const m = rec.object.metadata;
    return { stack, team: this.o.tenant(rec).team, request: `${rec.promise}/${m.namespace ?? "default"}/${m.name}` };
  }

  private async fail(stack: string, err: unknown): Promise<void> {
    const n = (this.attempts.get(stack) ?? 0) + 1;
    this.attempts.set(stack, n);
    const message = err instanceof OperationError ? errorsOf(err.events).join("\n") || err.message : (err as Error).message;
    const clean = message.replace(/\s+/g, " ").trim().slice(0, 2000);
    this.o.log(`reconcile of ${stack} failed (attempt ${n}): ${clean}`, this.about(stack, this.o.store.getByStack(stack)));
    if (!this.o.store.getByStack(stack)) return;
    // Tenancy (components/promise/tenancy.ts) and plaintext Secrets: retrying cannot help, and nothing was
    // written. A State Store outage is retried until it is over (service/core/failures.ts).
    const kind = failureKind(clean);
    const permanentMatch = kind === "permanent" ? PERMANENT.exec(clean) : null;
    const storeDown = kind === "storeUnavailable";
    if (/currently locked/i.test(message)) this.o.workspace.clearDeadLocks(stack);
    const backoff = this.o.backoff?.(this.o.store.getByStack(stack)!.promise);
    if (err instanceof DeleteWorkflowError) {
      const delay = backoffDelay(backoff ?? { limit: this.o.maxAttempts, initialMs: this.o.retryBaseMs, maxMs: 300_000 }, n);
      const failed = await this.o.store.patch(stack, (cur) => ({ status: deleteFailedStatus(cur.status, clean, n, delay) }));
      if (!failed) return;
      await this.o.hooks?.statusChanged(failed);
      this.o.emit(stack, { type: "status", message: clean, data: failed.status });
      this.o.requeue(stack, delay);
      return;
    }
    const limit = attemptLimit(kind, backoff?.limit ?? this.o.maxAttempts);
    const reason = permanentMatch?.[1] ?? "ReconcileFailed";
    const shown = permanentMatch ? clean.slice(permanentMatch.index) : clean;
    const delay = backoff ? backoffDelay(backoff, n) : this.o.retryBaseMs * 2 ** Math.min(n - 1, 30) * (0.75 + Math.random() * 0.5);
    if (n >= limit) this.attempts.delete(stack);
    else this.o.requeue(stack, storeDown ? Math.min(delay, STORE_RETRY_MAX_MS) : delay);
    const rec = await this.o.store.patch(stack, (cur) => {
      let conditions = cur.status.conditions;
      if (n >= limit) {
        conditions = setCondition(conditions, { type: "Stalled", status: "True", reason, message: shown });
        conditions = setCondition(conditions, { type: "Ready", status: "False", reason, message: shown });
        conditions = setCondition(conditions, { type: "Reconciling", status: "False", reason: "Stalled", message: `gave up after ${n} attempts` });
      } else {
        conditions = setCondition(conditions, { type: "Reconciling", status: "True", reason: "RetryScheduled", message: `attempt ${n} failed: ${clean}` });
        // Not the request's doing: it says why it is not Ready (its last applied generation stays in Git).
        if (storeDown) conditions = setCondition(conditions, { type: "Ready", status: "False", reason: "StateStoreUnavailable", message: `${clean}; retried until the State Store is back` });
      }
      return { status: { ...cur.status, conditions, message: clean } };
    });
    if (!rec) return;
    await this.o.hooks?.statusChanged(rec);
    this.o.emit(stack, { type: n >= limit ? "status" : "error", message: clean, data: rec.status });
  }
}

/**
 * The groups to keep as `previousDestinations`: where each group is now, plus where a group that has no
 * destination now was before, so a later run (a restart) still names the destination it lost.
 */
export function withUnscheduled(now: PlanStatus["destinations"], previous: PlanStatus["destinations"]): PlanStatus["destinations"] {
  const placed = (p: PlanStatus["destinations"][number]) => now.some((d) => d.pipeline === p.pipeline && d.directory === p.directory);
  return [...now, ...previous.filter((p) => !placed(p))];
}
