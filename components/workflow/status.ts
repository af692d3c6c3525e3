/** Merging what steps report into the object's status. */
import type { Condition } from "./types";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars from `patch` replace; `undefined` leaves a field. */
export function mergeStatus(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeStatus(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** Conditions merged by `type`: a later one replaces an earlier one of the same type, order kept. */
export function mergeConditions(base: Condition[], patch: Condition[]): Condition[] {
  const out = [...base];
  for (const c of patch) {
    const i = out.findIndex((o) => o.type === c.type);
    if (i >= 0) out[i] = c;
    else out.push(c);
  }
  return out;
}

export function conditionsOf(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}
