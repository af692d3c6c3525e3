/**
 * Request objects as table rows: NAMESPACE KIND NAME READY APPLIED REASON DESTINATIONS AGE. APPLIED is the
 * cluster's word (Flux's `Applied` condition) on requests that went to a cluster destination, else "-".
 */
import type { RequestObject } from "../../service/core/types";
import { condition } from "../../service/http/readiness";
import { formatAge } from "./age";
import { table } from "./table";

export const REQUEST_COLUMNS = ["NAMESPACE", "KIND", "NAME", "READY", "APPLIED", "REASON", "DESTINATIONS", "AGE"];

export function requestRow(o: RequestObject, now: number): string[] {
  const status = o.status ?? { conditions: [], destinations: [] };
  const ready = condition(status, "Ready");
  const stalled = condition(status, "Stalled");
  const applied = condition(status, "Applied");
  const reason = o.metadata.deletionTimestamp
    ? "Deleting"
    : stalled?.status === "True"
      ? stalled.reason || "Stalled"
      : ready?.reason || "-";
  const destinations = status.destinations?.length ? status.destinations.join(",") : "-";
  return [o.metadata.namespace, o.kind, o.metadata.name, ready?.status ?? "Unknown", applied?.status ?? "-", reason, destinations, formatAge(o.metadata.creationTimestamp, now)];
}

export function requestTable(items: RequestObject[], now: number): string {
  return table(REQUEST_COLUMNS, items.map((o) => requestRow(o, now)));
}
