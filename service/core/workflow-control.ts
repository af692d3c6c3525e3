/**
 * Kratix workflow control on a request (`metadata/workflow-control.yaml` of a step): `retryAfter` runs the
 * workflow again after that long (the status shows `nextRunTime`), `suspend: true` stops the workflow
 * and leaves the request `Suspended` until it is reconciled again (`plinth reconcile`, an update, or the
 * Kratix label `kratix.io/manual-reconciliation: "true"`, which triggers a reconcile and is then removed).
 */
import { parseDuration } from "../../components/workflow/run";
import { setCondition } from "./conditions";
import { withHistory } from "./delete-workflow";
import type { StoredRequest } from "./store";
import type { RequestStatus } from "./types";

export const MANUAL_RECONCILIATION_LABEL = "kratix.io/manual-reconciliation";

/** What the configure workflow asked for (the plan's `workflowControl`). */
export interface PlannedControl {
  suspended: boolean;
  retryAfter?: string;
  message?: string;
}

/** Adds `Suspended` and `nextRunTime` to a reconciled status; answers the delay of the next run, if any. */
export function applyWorkflowControl(status: RequestStatus, control: PlannedControl | undefined, now = Date.now()): { status: RequestStatus; rerunInMs?: number } {
  const { nextRunTime: _old, ...rest } = status;
  let out: RequestStatus = rest;
  if (control?.suspended) {
    const message = `workflow suspended by a step${control.message ? `: ${control.message}` : ""}; reconcile the request to resume it`;
    out = { ...out, conditions: setCondition(out.conditions, { type: "Suspended", status: "True", reason: "WorkflowSuspended", message }) };
    out = withHistory(out, { type: "Normal", reason: "Suspended", message });
  } else if (status.conditions.some((c) => c.type === "Suspended")) {
    out = { ...out, conditions: setCondition(out.conditions, { type: "Suspended", status: "False", reason: "Resumed", message: "the workflow ran to the end" }) };
  }
  const secs = control?.retryAfter ? parseDuration(control.retryAfter) : undefined;
  if (secs === undefined) return { status: out };
  const ms = secs * 1000;
  const nextRunTime = new Date(now + ms).toISOString();
  out = withHistory({ ...out, nextRunTime }, { type: "Normal", reason: "RetryAfter", message: `a step asked to run the workflow again after ${control!.retryAfter} (at ${nextRunTime})` });
  return { status: out, rerunInMs: ms };
}

/** The object without the manual-reconciliation label, when it carries it as "true" (else undefined). */
export function withoutManualReconciliation(object: StoredRequest["object"]): StoredRequest["object"] | undefined {
  const labels = object.metadata.labels;
  if (labels?.[MANUAL_RECONCILIATION_LABEL] !== "true") return undefined;
  const { [MANUAL_RECONCILIATION_LABEL]: _gone, ...rest } = labels;
  return { ...object, metadata: { ...object.metadata, labels: rest } };
}

/** Fields of the reconciled status that Plinth owns; every other field a workflow wrote is kept on the request's status. */
const OWN_FIELDS = new Set([
  "conditions", "observedGeneration", "message", "destinations", "files", "outputs", "promiseVersion", "promiseRevision", "groups", "drift", "children",
  "placements", "workflowControl", "history", "deleteWorkflow", "nextRunTime",
]);

/** What the workflow's steps wrote to the status (Kratix `metadata/status.yaml` fields, render steps' `status`). */
export function workflowStatusFields(plan: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(plan).filter(([k]) => !OWN_FIELDS.has(k)));
}
