/**
 * The request form as data, from a Promise's JSON Schema (zod's `toJSONSchema`, input side): a tree of
 * fields (strings, numbers, booleans, enums, nested objects, arrays of rows, string maps), the initial
 * value with defaults, immutable edits by path, and the API's 422 issue paths mapped onto fields.
 * Pure: no DOM, unit-tested in node.
 */

export type Path = (string | number)[];

export type FieldKind = "string" | "number" | "integer" | "boolean" | "enum" | "object" | "array" | "map" | "json";

export interface Field {
  /** Property name (empty for the root). */
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  default?: unknown;
  /** For `enum`. */
  options?: string[];
  /** For `object`. */
  properties?: Field[];
  /** For `array` (the row) and `map` (each value). */
  item?: Field;
  /** Constraints shown as hints (the API enforces them). */
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

type Schema = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The field a (sub)schema describes. Unknown shapes fall back to a JSON text field. */
export function fieldOf(schema: Schema, name = "", required = false): Field {
  const base: Field = { name, kind: "json", required };
  if (typeof schema.description === "string") base.description = schema.description;
  if ("default" in schema) base.default = schema.default;
  if (Array.isArray(schema.enum) && schema.enum.every((e) => typeof e === "string")) {
    return { ...base, kind: "enum", options: schema.enum as string[] };
  }
  switch (schema.type) {
    case "string":
      return {
        ...base,
        kind: "string",
        ...(typeof schema.pattern === "string" ? { pattern: schema.pattern } : {}),
        ...(typeof schema.maxLength === "number" ? { maxLength: schema.maxLength } : {}),
      };
    case "number":
    case "integer":
      return {
        ...base,
        kind: schema.type,
        ...(typeof schema.minimum === "number" ? { minimum: schema.minimum } : {}),
        ...(typeof schema.maximum === "number" ? { maximum: schema.maximum } : {}),
      };
    case "boolean":
      return { ...base, kind: "boolean" };
    case "array":
      return { ...base, kind: "array", item: fieldOf(isRecord(schema.items) ? schema.items : {}, "") };
    case "object": {
      if (isRecord(schema.properties)) {
        const req = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
        const properties = Object.entries(schema.properties).map(([k, s]) => fieldOf(isRecord(s) ? s : {}, k, req.has(k)));
        return { ...base, kind: "object", properties };
      }
      if (isRecord(schema.additionalProperties)) return { ...base, kind: "map", item: fieldOf(schema.additionalProperties, "") };
      return { ...base, kind: "map", item: { name: "", kind: "string", required: false } };
    }
  }
  return base;
}

/** An empty value of a field's kind (what a new array row or map entry starts as). */
export function emptyValue(f: Field): unknown {
  if (f.default !== undefined) return structuredClone(f.default);
  switch (f.kind) {
    case "object":
      return initialValue(f);
    case "array":
      return [];
    case "map":
      return {};
    case "boolean":
      return false;
    case "enum":
      return f.options?.[0] ?? "";
    case "number":
    case "integer":
      return undefined;
    default:
      return "";
  }
}

/**
 * The form's starting value: defaults, required nested objects filled in, optional fields without a
 * default left out (so the API applies its own defaults and nothing unasked is sent).
 */
export function initialValue(f: Field): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of f.properties ?? []) {
    if (p.default !== undefined) out[p.name] = structuredClone(p.default);
    else if (p.required) out[p.name] = p.kind === "object" ? initialValue(p) : emptyValue(p);
  }
  return out;
}

/** The value at `path`, or undefined. */
export function getAt(value: unknown, path: Path): unknown {
  let cur = value;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** A copy of `value` with `path` set to `v` (undefined removes the key; arrays keep their length). */
export function setAt(value: unknown, path: Path, v: unknown): unknown {
  if (path.length === 0) return v;
  const [k, ...rest] = path;
  if (typeof k === "number") {
    const arr = Array.isArray(value) ? [...value] : [];
    arr[k] = setAt(arr[k], rest, v);
    return arr;
  }
  const obj: Record<string, unknown> = isRecord(value) ? { ...value } : {};
  const next = setAt(obj[k], rest, v);
  if (next === undefined) delete obj[k];
  else obj[k] = next;
  return obj;
}

/** A copy with the array row or map key at `path` removed. */
export function removeAt(value: unknown, path: Path): unknown {
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1];
  const parent = getAt(value, parentPath);
  if (Array.isArray(parent) && typeof key === "number") return setAt(value, parentPath, parent.filter((_, i) => i !== key));
  if (isRecord(parent)) {
    const { [String(key)]: _gone, ...rest } = parent;
    return setAt(value, parentPath, rest);
  }
  return value;
}

/** A copy with the map entry `from` renamed to `to` (order kept); unchanged when `to` exists. */
export function renameKey(value: unknown, mapPath: Path, from: string, to: string): unknown {
  const map = getAt(value, mapPath);
  if (!isRecord(map) || from === to || to in map) return value;
  return setAt(value, mapPath, Object.fromEntries(Object.entries(map).map(([k, v]) => [k === from ? to : k, v])));
}

/** A text input's value for a number field: a number, or undefined when empty; NaN text is kept as text for the API to reject. */
export function parseNumberInput(text: string): number | string | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** A stable, unambiguous key of a path (map keys may hold dots), e.g. `["spec","plugins",0,"name"]`. */
export function pathKey(path: Path): string {
  return JSON.stringify(path.map(String));
}

/** A DOM-id-safe form of a path: each segment escaped, joined by `-`. */
export function fieldId(path: Path): string {
  return `f-${path.map((seg) => String(seg).replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)).join("-")}`;
}

export interface FieldIssue {
  path: Path;
  message: string;
}

/** The issues of a 422 answer (`details.issues`), or [] for any other answer. */
export function issuesOf(details: unknown): FieldIssue[] {
  if (!isRecord(details) || !Array.isArray(details.issues)) return [];
  return details.issues.filter((i): i is FieldIssue => isRecord(i) && Array.isArray(i.path) && typeof i.message === "string");
}

/**
 * Issues by field path key. An issue deeper than any field (e.g. inside a JSON field) goes to the
 * closest field that `known` lists; one matching none goes under "" (shown above the form).
 */
export function issuesByField(issues: readonly FieldIssue[], known: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of issues) {
    let p: Path = i.path;
    while (p.length > 0 && !known.has(pathKey(p))) p = p.slice(0, -1);
    const key = p.length > 0 ? pathKey(p) : "";
    out.set(key, [...(out.get(key) ?? []), i.message]);
  }
  return out;
}

/** Every field path key in the form for `value` (array rows and map entries included), under `prefix`. */
export function fieldKeys(f: Field, value: unknown, prefix: Path): Set<string> {
  const out = new Set<string>();
  const walk = (field: Field, v: unknown, p: Path): void => {
    out.add(pathKey(p));
    if (field.kind === "object") for (const c of field.properties ?? []) walk(c, getAt(v, [c.name]), [...p, c.name]);
    if (field.kind === "array" && Array.isArray(v)) v.forEach((row, i) => walk(field.item!, row, [...p, i]));
    if (field.kind === "map" && isRecord(v)) for (const k of Object.keys(v)) walk(field.item!, v[k], [...p, k]);
  };
  walk(f, value, prefix);
  return out;
}

/** The request object the form edits. */
export function requestObject(entry: { apiVersion: string; kind: string }, meta: { name: string; namespace: string }, spec: unknown): Record<string, unknown> {
  return { apiVersion: entry.apiVersion, kind: entry.kind, metadata: { name: meta.name, namespace: meta.namespace }, spec: isRecord(spec) ? spec : {} };
}

/** The metadata and spec of an object edited as YAML (missing parts become empty), or an error message. */
export function fromObject(obj: unknown): { name: string; namespace: string; spec: Record<string, unknown> } | { error: string } {
  if (!isRecord(obj)) return { error: "the YAML must be one object with apiVersion, kind, metadata and spec" };
  const md = isRecord(obj.metadata) ? obj.metadata : {};
  if (obj.spec !== undefined && !isRecord(obj.spec)) return { error: "spec must be an object" };
  return { name: typeof md.name === "string" ? md.name : "", namespace: typeof md.namespace === "string" ? md.namespace : "", spec: (obj.spec as Record<string, unknown>) ?? {} };
}

/**
 * The value without what the user left empty: optional strings that are "", optional objects without
 * a default that hold nothing. So clearing a field means "not set" and the API applies its defaults.
 */
export function compact(f: Field, value: unknown): unknown {
  if (f.kind === "object" && isRecord(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const p of f.properties ?? []) {
      const v = compact(p, out[p.name]);
      if (v === undefined || (!p.required && (p.default === undefined || p.kind === "string") && isBlank(p, v))) delete out[p.name];
      else out[p.name] = v;
    }
    return out;
  }
  if (f.kind === "array" && Array.isArray(value)) return value.map((row) => compact(f.item!, row));
  if (f.kind === "map" && isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(f.item!, v)]));
  return value;
}

/** Nothing entered: undefined, an empty string, or an object whose every field is blank. */
function isBlank(f: Field, v: unknown): boolean {
  if (v === undefined || v === "") return true;
  if (f.kind === "object" && isRecord(v)) return Object.values(v).every((x) => x === undefined || x === "" || (isRecord(x) && Object.keys(x).length === 0));
  return false;
}
