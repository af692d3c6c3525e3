/** The status a request reports (DESIGN.md §4): conditions, chosen destinations, what was written. */
import { mergeConditions, conditionsOf } from "../workflow/status";
import type { Condition, WorkflowResult } from "../workflow/types";
import type { PlacementSpec } from "./groups";
import type { GroupSchedule } from "./request-placements";

export interface RequestPlanStatus {
  [field: string]: unknown;
  conditions: Condition[];
  message: string;
  /** Where each group of each pipeline went; feed back as `previousDestinations`. */
  destinations: { pipeline: string; directory?: string; destination: string }[];
  /** Every directory written, with its file names. */
  placements: { name: string; destination: string; dir: string; files: string[] }[];
  workflowControl?: { suspended: boolean; retryAfter?: string; message?: string };
}

function cond(type: string, ok: boolean, reason: string, message: string): Condition {
  return { type, status: ok ? "True" : "False", reason, message };
}

/**
 * Workflow status fields and conditions, plus Plinth's `ConfigureWorkflowCompleted`, `Scheduled` and `Ready`;
 * `Stalled` (reason `NoDestination`) when a group has no matching destination.
 */
export function requestStatus(workflow: WorkflowResult, schedule: GroupSchedule[], placements: PlacementSpec[]): RequestPlanStatus {
  const unscheduled = schedule.filter((s) => s.destination === undefined);
  const controlMessage = workflow.pipelines.map((p) => p.workflowControl.message).filter(Boolean).pop();
  const ran = workflow.pipelines.map((p) => p.pipeline).join(", ") || "(none)";
  const wfMsg = workflow.suspended ? `workflow suspended after pipeline(s) ${ran}${controlMessage ? `: ${controlMessage}` : ""}` : `pipelines completed: ${ran}`;
  const schedMsg = unscheduled.length ? unscheduled.map((u) => u.message).join("; ") : `scheduled to ${[...new Set(schedule.map((s) => s.destination))].join(", ") || "(nothing to write)"}`;
  const ready = !workflow.suspended && unscheduled.length === 0;
  const plinth: Condition[] = [
    cond("ConfigureWorkflowCompleted", !workflow.suspended, workflow.suspended ? "Suspended" : "PipelinesCompleted", wfMsg),
    cond("Scheduled", unscheduled.length === 0, unscheduled.length ? "Unscheduled" : "Scheduled", schedMsg),
    cond("Ready", ready, ready ? "Ready" : workflow.suspended ? "Suspended" : "Unscheduled", ready ? "resource is written to its destinations" : workflow.suspended ? wfMsg : schedMsg),
  ];
  // Nothing is written for an unscheduled group: the request cannot progress until a destination matches.
  if (unscheduled.length) plinth.push(cond("Stalled", true, "NoDestination", schedMsg));
  const status: RequestPlanStatus = {
    ...workflow.status,
    conditions: mergeConditions(conditionsOf(workflow.status), plinth),
    message: ready ? "Ready" : workflow.suspended ? wfMsg : schedMsg,
    destinations: schedule
      .filter((s) => s.destination !== undefined)
      .map((s) => (s.directory === undefined ? { pipeline: s.pipeline, destination: s.destination! } : { pipeline: s.pipeline, directory: s.directory, destination: s.destination! })),
    placements: placements.map((p) => ({ name: p.name, destination: p.destination, dir: p.dir, files: Object.keys(p.files).sort() })),
  };
  if (workflow.suspended || workflow.retryAfter !== undefined) {
    status.workflowControl = { suspended: workflow.suspended, ...(workflow.retryAfter ? { retryAfter: workflow.retryAfter } : {}), ...(controlMessage ? { message: controlMessage } : {}) };
  }
  return status;
}
