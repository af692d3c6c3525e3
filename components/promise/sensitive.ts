/**
 * Sensitive fields (README "Secrets"): a Promise marks a spec field with zod `.meta({ sensitive: true })`.
 * Its values may reach the State Store only inside a `Secret` (SOPS-encrypted like every Secret); the
 * service never shows them in plaintext (`GET`, events, logs, previews), keeps them sealed in the request's
 * stack settings, and the request's Pulumi outputs holding one are Pulumi secrets.
 */
import { jsonSchemaOf } from "./schema";
import type { AnyPromise } from "./types";

/** What a sensitive value is shown as. */
export const REDACTED = "(sensitive)";

/** A path into `spec`: property names, `*` for every array item or map value. */
export type SensitivePath = string[];

type Schema = { sensitive?: unknown; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[] };

const cache = new WeakMap<object, SensitivePath[]>();

function walk(s: Schema | undefined, at: string[], out: SensitivePath[], depth: number): void {
  if (!s || typeof s !== "object" || depth > 32) return;
  if (s.sensitive === true) {
    out.push(at);
    return;
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, [...at, k], out, depth + 1);
  if (s.items && typeof s.items === "object") walk(s.items, [...at, "*"], out, depth + 1);
  if (s.additionalProperties && typeof s.additionalProperties === "object") walk(s.additionalProperties, [...at, "*"], out, depth + 1);
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(alt, at, out, depth + 1);
}

/** The spec paths the Promise marks sensitive (from its JSON Schema, where zod puts `.meta()`). */
export function sensitivePaths(promise: AnyPromise): SensitivePath[] {
  const hit = cache.get(promise.api.spec);
  if (hit) return hit;
  const out: SensitivePath[] = [];
  try {
    walk(jsonSchemaOf(promise) as Schema, [], out, 0);
  } catch {
    // a schema zod cannot express as JSON Schema has no sensitive marks we can find
  }
  cache.set(promise.api.spec, out);
  return out;
}

function visit(v: unknown, path: string[], fn: (value: unknown, at: string[]) => unknown, at: string[] = []): unknown {
  if (path.length === 0) return fn(v, at);
  if (v === null || typeof v !== "object") return v;
  const [head, ...rest] = path;
  if (Array.isArray(v)) return head === "*" ? v.map((x, i) => visit(x, rest, fn, [...at, String(i)])) : v;
  const o = v as Record<string, unknown>;
  const keys = head === "*" ? Object.keys(o) : Object.prototype.hasOwnProperty.call(o, head) ? [head] : [];
  if (keys.length === 0) return v;
  const copy = { ...o };
  for (const k of keys) copy[k] = visit(o[k], rest, fn, [...at, k]);
  return copy;
}

/** Every sensitive value of a spec (strings, numbers; objects by their leaves), with its path. */
export function sensitiveValues(promise: AnyPromise, spec: unknown): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = [];
  const leaves = (v: unknown, at: string[]): void => {
    if (v === null || v === undefined || v === "") return;
    if (typeof v === "object") for (const [k, x] of Object.entries(v as Record<string, unknown>)) leaves(x, [...at, k]);
    else out.push({ path: ["spec", ...at].join("."), value: String(v) });
  };
  for (const p of sensitivePaths(promise)) visit(spec, p, (v, at) => (leaves(v, at), v));
  return out;
}

/** The spec with every sensitive field replaced by `(sensitive)` (absent fields stay absent). */
export function redactSpec(promise: AnyPromise, spec: unknown): unknown {
  let out = spec;
  for (const p of sensitivePaths(promise)) out = visit(out, p, (v) => (v === undefined || v === null ? v : REDACTED));
  return out;
}

/** The spec with each sensitive field mapped by `fn` (seal / unseal of the stored object). */
export function mapSensitive(promise: AnyPromise, spec: unknown, fn: (value: unknown, path: string[]) => unknown): unknown {
  let out = spec;
  for (const p of sensitivePaths(promise)) out = visit(out, p, (v, at) => (v === undefined || v === null ? v : fn(v, at)));
  return out;
}

/**
 * `v` (any JSON) with every occurrence of a sensitive value in a string replaced by `(sensitive)`: for
 * status, outputs, events and log lines a workflow may have copied a value into. Values shorter than 4
 * characters are not searched for (they would hide unrelated text).
 */
export function redactValues<T>(v: T, values: readonly string[]): T {
  const vs = [...new Set(values.filter((x) => x.length >= 4))].sort((a, b) => b.length - a.length);
  if (vs.length === 0) return v;
  const str = (s: string): string => vs.reduce((acc, x) => acc.split(x).join(REDACTED), s);
  const go = (x: unknown): unknown => {
    if (typeof x === "string") return str(x);
    if (Array.isArray(x)) return x.map(go);
    if (x && typeof x === "object") return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, y]) => [k, go(y)]));
    return x;
  };
  return go(v) as T;
}

function at(v: unknown, path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * A spec sent back as it was read (`GET` shows `(sensitive)`): each sensitive field still `(sensitive)`
 * keeps the stored value at the same place, so a read–modify–write never overwrites a secret with the mask.
 */
export function restoreRedacted(promise: AnyPromise, spec: unknown, stored: unknown): unknown {
  return mapSensitive(promise, spec, (v, path) => (v === REDACTED && at(stored, path) !== undefined ? at(stored, path) : v));
}
