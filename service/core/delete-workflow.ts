/**
 * The delete workflow of a request (DESIGN.md §3 step 5): `workflows.resource.delete` runs before the
 * request's files and stack are removed, once (a later retry of the removal does not run it again). A
 * failing delete workflow leaves the request in place with its `deletionTimestamp`, `Stalled` with reason
 * `DeleteFailed` and the step's error, and is retried with backoff (never given up: the request stays
 * until its delete workflow succeeds or it is deleted with `force`, which skips the workflow with a
 * warning in the status history and the events).
 */
import { HTTP_STATUS, PlinthError } from "../../components/errors";
import { runDeleteWorkflow } from "../../components/workflow/delete-run";
import type { StepLogSink } from "../../components/workflow/types";
import { setCondition } from "./conditions";
import type { Backoff, InstalledPromise } from "./installed";
import type { StoredRequest } from "./store";
import type { RequestEvent, RequestStatus } from "./types";

/** Annotation set by `plinth delete --force` (`DELETE …?force=true`): skip the delete workflow. */
export const FORCE_DELETE_ANNOTATION = "plinth.dev/force-delete";

export class DeleteWorkflowError extends PlinthError {
  constructor(message: string, cause?: unknown) {
    super("DeleteFailed", message, cause instanceof PlinthError ? { cause: cause.toJSON() } : undefined, HTTP_STATUS.internal);
  }
}


export interface DeleteWorkflowDeps {
  promise: (name: string) => InstalledPromise | undefined;
  /** Read-modify-write of the request's status as it is now (compare-and-swap in the store). */
  patchStatus: (stack: string, change: (status: RequestStatus) => RequestStatus) => Promise<StoredRequest | undefined>;
  emit: (stack: string, e: Omit<RequestEvent, "time">) => void;
  log: (line: string) => void;
  /** Where the steps' output goes (step logs), for `stack` at `generation`. */
  stepLog?: (stack: string, generation: number) => StepLogSink;
}

/** A status history entry (the last 20 are kept on the status). */
export function withHistory(status: RequestStatus, entry: { type: "Normal" | "Warning"; reason: string; message: string }): RequestStatus {
  const history = [...(status.history ?? []), { time: new Date().toISOString(), ...entry }].slice(-20);
  return { ...status, history };
}

/** Runs the request's delete workflow unless it already ran, was skipped with force, or there is none. */
export async function runRequestDeleteWorkflow(stack: string, rec: StoredRequest, deps: DeleteWorkflowDeps): Promise<void> {
  if (rec.status.deleteWorkflow?.completedAt) return;
  const gen = rec.object.metadata.generation;
  if (rec.object.metadata.annotations?.[FORCE_DELETE_ANNOTATION] === "true") {
    const message = "delete workflow skipped: deleted with --force; whatever it would have cleaned up is left as it is";
    const next = await deps.patchStatus(stack, (s) => withHistory({ ...s, deleteWorkflow: { skipped: true, completedAt: new Date().toISOString() } }, { type: "Warning", reason: "DeleteWorkflowSkipped", message }));
    deps.stepLog?.(stack, gen)({ step: "plinth", stream: "log", text: `warning: ${message}\n` });
    deps.log(`${stack}: ${message}`);
    deps.emit(stack, { type: "workflow", message: `warning: ${message}`, data: next?.status });
    return;
  }
  const installed = deps.promise(rec.promise);
  const pipelines = installed?.definition.workflows?.resource?.delete ?? [];
  if (!installed || pipelines.length === 0) {
    if (!installed) deps.log(`${stack}: Promise "${rec.promise}" is not installed; no delete workflow to run`);
    return;
  }
  deps.emit(stack, { type: "workflow", message: `running delete workflow: ${pipelines.map((p) => p.name).join(", ")}` });
  const m = rec.object.metadata;
  const object = {
    apiVersion: rec.object.apiVersion,
    kind: rec.object.kind,
    metadata: { name: m.name, namespace: m.namespace, ...(m.labels ? { labels: m.labels } : {}), ...(m.annotations ? { annotations: m.annotations } : {}), ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}) },
    spec: rec.object.spec,
    status: { ...rec.status } as Record<string, unknown>,
  };
  try {
    await runDeleteWorkflow({
      scope: "resource",
      pipelines,
      object,
      config: installed.config,
      promise: installed.definition.name,
      plural: installed.entry.plural,
      name: stack,
      log: deps.stepLog?.(stack, gen),
    });
  } catch (err) {
    throw new DeleteWorkflowError(`delete workflow failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const done = await deps.patchStatus(stack, (s) =>
    withHistory({ ...s, deleteWorkflow: { completedAt: new Date().toISOString() } }, { type: "Normal", reason: "DeleteWorkflowCompleted", message: `delete workflow completed: ${pipelines.map((p) => p.name).join(", ")}` }),
  );
  deps.emit(stack, { type: "workflow", message: "delete workflow completed", data: done?.status });
}

/** Delay before attempt `n + 1`: exponential from `initialMs`, capped at `maxMs`, with ±25 % jitter. */
export function backoffDelay(b: Backoff, n: number): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, n - 1)) * (0.75 + Math.random() * 0.5);
}

/** The status of a request whose delete workflow failed (attempt `n`), and when it runs again. */
export function deleteFailedStatus(status: RequestStatus, message: string, n: number, delayMs: number): RequestStatus {
  const next = new Date(Date.now() + delayMs).toISOString();
  let conditions = setCondition(status.conditions, { type: "Stalled", status: "True", reason: "DeleteFailed", message });
  conditions = setCondition(conditions, { type: "Ready", status: "False", reason: "DeleteFailed", message });
  conditions = setCondition(conditions, { type: "Reconciling", status: "True", reason: "RetryScheduled", message: `delete attempt ${n} failed; retrying at ${next}` });
  return withHistory({ ...status, conditions, message, nextRunTime: next }, { type: "Warning", reason: "DeleteFailed", message });
}
