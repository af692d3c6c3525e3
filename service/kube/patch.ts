/**
 * PATCH bodies applied to an object (pure): JSON merge patch (RFC 7386), JSON patch (RFC 6902) and what
 * kubectl sends as a strategic merge patch for a custom resource (a merge patch with `$` directives,
 * applied as a merge patch: custom resources have no patch strategies, every list is atomic).
 */
import { isDeepStrictEqual } from "node:util";
import { kubeError } from "./status";

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, `null` removes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A strategic merge patch for a resource without patch strategies: its `$` directives dropped. */
export function strategicAsMerge(patch: Json): Json {
  if (Array.isArray(patch)) return patch.map(strategicAsMerge);
  if (!isObject(patch)) return patch;
  if (patch.$patch === "delete") return null;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    out[k] = strategicAsMerge(v);
  }
  return out;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string, i: number): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw bad(i, `path "${path}" must start with "/"`);
  return path
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function bad(i: number, message: string): Error {
  return kubeError(422, `the JSON patch operation ${i} is invalid: ${message}`, "Invalid");
}

function resolveParent(doc: Json, tokens: string[], i: number): { parent: Json; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw bad(i, `path /${tokens.join("/")} does not exist`);
  }
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, tokens: string[], i: number): Json {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur) && /^\d+$/.test(t)) cur = cur[Number(t)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw bad(i, `path /${tokens.join("/")} does not exist`);
    if (cur === undefined) throw bad(i, `path /${tokens.join("/")} does not exist`);
  }
  return cur;
}

function add(doc: Json, tokens: string[], value: Json, i: number): Json {
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, i);
  if (Array.isArray(parent)) {
    const idx = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length) throw bad(i, `index ${key} is out of range`);
    parent.splice(idx, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw bad(i, `cannot add to a ${typeof parent}`);
  return doc;
}

function remove(doc: Json, tokens: string[], i: number): Json {
  getAt(doc, tokens, i);
  const { parent, key } = resolveParent(doc, tokens, i);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as Record<string, Json>)[key];
  return doc;
}

/** RFC 6902 on a copy of `target`; any failed operation or `test` fails the whole patch. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw kubeError(400, "a JSON patch must be an array of operations", "BadRequest");
  let doc = structuredClone(target);
  ops.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") throw bad(i, "each operation needs op and path");
    const o = raw as unknown as Operation;
    const tokens = pointer(o.path, i);
    switch (o.op) {
      case "add":
        doc = add(doc, tokens, structuredClone(o.value), i);
        break;
      case "remove":
        doc = remove(doc, tokens, i);
        break;
      case "replace":
        getAt(doc, tokens, i);
        doc = add(remove(doc, tokens, i), tokens, structuredClone(o.value), i);
        break;
      case "move":
      case "copy": {
        const from = pointer(o.from ?? "", i);
        const value = structuredClone(getAt(doc, from, i));
        if (o.op === "move") doc = remove(doc, from, i);
        doc = add(doc, tokens, value, i);
        break;
      }
      case "test":
        if (!isDeepStrictEqual(getAt(doc, tokens, i), o.value)) throw bad(i, `test of ${o.path} failed`);
        break;
      default:
        throw bad(i, `unknown op "${o.op}"`);
    }
  });
  return doc;
}
