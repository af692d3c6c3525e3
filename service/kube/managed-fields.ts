/**
 * Server-side apply and field ownership (pure). Fields are leaf paths under `metadata.labels`,
 * `metadata.annotations` and `spec`; every list is atomic (a custom resource without list types). An
 * `Apply` by a manager sets what it applied, removes what it applied before and no longer does (unless
 * another manager owns it), and conflicts when it would change a value another manager owns — unless
 * forced, which moves the ownership. Any other write (`Update`) takes ownership of what it changed.
 */
import { isDeepStrictEqual } from "node:util";
import type { ManagedFieldsEntry } from "../core/types";
import { kubeError } from "./status";

type Json = unknown;
type Path = string[];
type Obj = Record<string, Json>;

export interface Owned {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Obj;
}

function isObject(v: Json): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function leaves(v: Json, prefix: Path, out: Path[]): void {
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) leaves(x, [...prefix, k], out);
  } else out.push(prefix);
}

/** The field paths an object sets (labels, annotations and spec leaves). */
export function fieldPaths(o: Owned): Path[] {
  const out: Path[] = [];
  const md = o.metadata ?? {};
  for (const k of Object.keys(md.labels ?? {})) out.push(["metadata", "labels", k]);
  for (const k of Object.keys(md.annotations ?? {})) out.push(["metadata", "annotations", k]);
  if (o.spec !== undefined) leaves(o.spec, ["spec"], out);
  return out;
}

export function toFieldsV1(paths: readonly Path[]): Obj {
  const root: Obj = {};
  for (const p of paths) {
    let cur = root;
    for (const k of p) cur = (cur[`f:${k}`] ??= {}) as Obj;
  }
  return root;
}

export function fromFieldsV1(f: Json, prefix: Path = []): Path[] {
  if (!isObject(f)) return [];
  const keys = Object.keys(f).filter((k) => k.startsWith("f:"));
  if (keys.length === 0) return prefix.length ? [prefix] : [];
  return keys.flatMap((k) => fromFieldsV1(f[k], [...prefix, k.slice(2)]));
}

export function getPath(o: Json, p: Path): Json {
  let cur = o;
  for (const k of p) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function setPath(o: Obj, p: Path, v: Json): void {
  let cur = o;
  for (const k of p.slice(0, -1)) {
    if (!isObject(cur[k])) cur[k] = {};
    cur = cur[k] as Obj;
  }
  cur[p[p.length - 1]] = structuredClone(v);
}

function deletePath(o: Obj, p: Path): void {
  const parent = getPath(o, p.slice(0, -1));
  if (isObject(parent)) delete parent[p[p.length - 1]];
}

const key = (p: Path) => JSON.stringify(p);
/** `a` is `b` or lies under it, or the other way round. */
const overlaps = (a: Path, b: Path) => a.length <= b.length ? a.every((k, i) => b[i] === k) : b.every((k, i) => a[i] === k);

function owned(o: Owned): Obj {
  return structuredClone({ metadata: { labels: o.metadata?.labels ?? {}, annotations: o.metadata?.annotations ?? {} }, spec: o.spec ?? {} }) as Obj;
}

function result(merged: Obj): Owned {
  const md = merged.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
  return {
    metadata: { ...(Object.keys(md.labels).length ? { labels: md.labels } : {}), ...(Object.keys(md.annotations).length ? { annotations: md.annotations } : {}) },
    spec: merged.spec as Obj,
  };
}

function entry(manager: string, operation: "Apply" | "Update", apiVersion: string, paths: Path[], time: string): ManagedFieldsEntry {
  return { manager, operation, apiVersion, time, fieldsType: "FieldsV1", fieldsV1: toFieldsV1(paths) };
}

function withoutPaths(entries: ManagedFieldsEntry[], drop: (e: ManagedFieldsEntry, p: Path) => boolean): ManagedFieldsEntry[] {
  return entries
    .map((e) => {
      const kept = fromFieldsV1(e.fieldsV1).filter((p) => !drop(e, p));
      return { ...e, fieldsV1: toFieldsV1(kept), empty: kept.length === 0 };
    })
    .filter((e) => !e.empty)
    .map(({ empty: _e, ...e }) => e);
}

/** RFC 3339 without fractions, as Kubernetes writes managedFields times. */
export function nowSeconds(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface ApplyArgs {
  current: Owned | undefined;
  managedFields: readonly ManagedFieldsEntry[];
  applied: Owned;
  manager: string;
  apiVersion: string;
  force: boolean;
  time?: string;
}

/** Server-side apply: the merged labels/annotations/spec and the new field owners, or 409 naming each conflict. */
export function serverSideApply(a: ApplyArgs): { object: Owned; managedFields: ManagedFieldsEntry[] } {
  const time = a.time ?? nowSeconds();
  const cur = owned(a.current ?? {});
  const appliedPaths = fieldPaths(a.applied);
  const others = a.managedFields.filter((e) => !(e.manager === a.manager && e.operation === "Apply"));
  const conflicts: { path: Path; manager: string; apiVersion: string }[] = [];
  for (const p of appliedPaths) {
    const want = getPath(a.applied, p);
    for (const e of others) {
      for (const q of fromFieldsV1(e.fieldsV1)) {
        if (!overlaps(p, q)) continue;
        const at = q.length >= p.length ? q : p;
        const have = getPath(cur, at);
        if (have !== undefined && !isDeepStrictEqual(have, getPath(a.applied, at) ?? want)) conflicts.push({ path: q, manager: e.manager, apiVersion: e.apiVersion });
      }
    }
  }
  if (conflicts.length && !a.force) {
    const causes = conflicts.map((c) => ({ type: "FieldManagerConflict", message: `conflict with "${c.manager}"`, field: `.${c.path.join(".")}` }));
    const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: .${c.path.join(".")}`);
    throw kubeError(409, `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${lines.join("\n")}`, "Conflict", { causes });
  }
  const mine = a.managedFields.find((e) => e.manager === a.manager && e.operation === "Apply");
  const before = mine ? fromFieldsV1(mine.fieldsV1) : [];
  const now = new Set(appliedPaths.map(key));
  const ownedByOthers = (p: Path) => others.some((e) => fromFieldsV1(e.fieldsV1).some((q) => overlaps(p, q)));
  for (const p of before) if (!now.has(key(p)) && !ownedByOthers(p)) deletePath(cur, p);
  for (const p of appliedPaths) setPath(cur, p, getPath(a.applied, p));
  const lost = new Set(conflicts.map((c) => key(c.path)));
  const rest = withoutPaths(others, (_e, p) => lost.has(key(p)));
  return { object: result(cur), managedFields: [...rest, entry(a.manager, "Apply", a.apiVersion, appliedPaths, time)] };
}

/** Ownership after a non-apply write (create, update, patch) by `manager`: it owns what it changed. */
export function recordUpdate(prev: Owned | undefined, next: Owned, managedFields: readonly ManagedFieldsEntry[], manager: string, apiVersion: string, time = nowSeconds()): ManagedFieldsEntry[] {
  const p0 = owned(prev ?? {});
  const p1 = owned(next);
  const nextPaths = fieldPaths(next);
  const present = new Set(nextPaths.map(key));
  const changed = nextPaths.filter((p) => !isDeepStrictEqual(getPath(p0, p), getPath(p1, p)));
  const changedKeys = new Set(changed.map(key));
  // Fields gone from the object are owned by nobody; changed ones move to this manager.
  const isMine = (e: ManagedFieldsEntry) => e.manager === manager && e.operation === "Update";
  const rest = withoutPaths(
    managedFields.filter((e) => !isMine(e)),
    (_e, p) => !fieldPaths(next).some((q) => overlaps(p, q)) || changed.some((c) => overlaps(c, p)),
  );
  const mineBefore = managedFields.filter(isMine).flatMap((e) => fromFieldsV1(e.fieldsV1)).filter((p) => present.has(key(p)) && !changedKeys.has(key(p)));
  const mine = [...mineBefore, ...changed];
  return mine.length ? [...rest, entry(manager, "Update", apiVersion, mine, time)] : rest;
}
