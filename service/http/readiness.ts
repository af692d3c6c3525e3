/**
 * Reading a request's readiness from a status (or an object carrying one): Ready=True → "ready",
 * Stalled=True → "stalled", otherwise undefined (still working). Shared by the SSE route and the CLI.
 */
import type { Condition, RequestEvent } from "../core/types";

/** `suspended`: a workflow step asked to stop (Kratix `suspend: true`) until the request is reconciled again. */
export type Outcome = "ready" | "stalled" | "suspended";

interface StatusLike {
  conditions?: Condition[];
  observedGeneration?: number;
}

/** The status in a `status` event's data: the RequestStatus itself or a RequestObject holding it. */
export function statusOf(data: unknown): StatusLike | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as { conditions?: unknown; status?: unknown };
  if (Array.isArray(d.conditions)) return d as StatusLike;
  if (typeof d.status === "object" && d.status !== null && Array.isArray((d.status as StatusLike).conditions)) {
    return d.status as StatusLike;
  }
  return undefined;
}

export function condition(status: StatusLike | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * The terminal outcome of a status, or undefined while work goes on. With `minGeneration`, a status
 * that reports an older `observedGeneration` is not terminal (it describes the previous spec).
 */
export function outcomeOf(status: StatusLike | undefined, minGeneration?: number): Outcome | undefined {
  if (!status) return undefined;
  if (minGeneration !== undefined && typeof status.observedGeneration === "number" && status.observedGeneration < minGeneration) {
    return undefined;
  }
  if (condition(status, "Stalled")?.status === "True") return "stalled";
  if (condition(status, "Suspended")?.status === "True") return "suspended";
  if (condition(status, "Ready")?.status === "True") return "ready";
  return undefined;
}

/** The outcome a `status` event carries, if any. */
export function eventOutcome(e: RequestEvent, minGeneration?: number): Outcome | undefined {
  return e.type === "status" ? outcomeOf(statusOf(e.data), minGeneration) : undefined;
}
