/** Small display helpers shared by the pages. Pure. */
import type { Condition, RequestObject } from "./types";

export function condition(o: RequestObject, type: string): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

/** `5s`, `3m`, `2h`, `4d` since an ISO time. */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function shortCommit(c: string): string {
  return c ? c.slice(0, 8) : "-";
}

/** Ready, Deleting, Failed (Stalled) or Pending: the list's status word. */
export function readiness(o: RequestObject): "Ready" | "Deleting" | "Failed" | "Pending" {
  if (o.metadata.deletionTimestamp) return "Deleting";
  if (condition(o, "Ready")?.status === "True") return "Ready";
  if (condition(o, "Stalled")?.status === "True") return "Failed";
  return "Pending";
}

export function display(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
