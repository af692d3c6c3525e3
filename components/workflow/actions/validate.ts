import { z } from "zod";
import type { FieldIssue } from "../../errors";
import { ValidationError, formatIssues } from "../../errors";
import type { ActionHandler, ValidateResult } from "./types";

/** A required non-empty string whose "missing" message tells the user what to set. */
export function requiredString(hint: string) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `required: ${hint}` : "must be a string") })
    .min(1, `must not be empty: ${hint}`);
}

/** An http(s) URL without user credentials. */
export function httpUrl(hint: string) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? `required: ${hint}` : "must be a string URL") })
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
      } catch {
        return false;
      }
    }, `must be an http(s) URL without credentials: ${hint}`);
}

/** An http(s) base URL; a trailing slash is stripped so paths can be appended. */
export function baseUrl(hint: string) {
  return httpUrl(hint).transform((s) => s.replace(/\/+$/, ""));
}

/** Runs a zod schema and turns its issues into field issues (paths of strings and numbers). */
export function parseWith<I>(schema: z.ZodType<I>, inputs: unknown): ValidateResult<I> {
  const r = schema.safeParse(inputs);
  if (r.success) return { inputs: r.data };
  const issues: FieldIssue[] = r.error.issues.map((i) => ({
    path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
    message: i.message.replace(/^Invalid input: expected (\w+), received undefined$/, "required ($1)"),
  }));
  return { issues };
}

/** Validates with a handler and throws a ValidationError naming every bad field. */
export function validateOrThrow<I>(handler: ActionHandler<I, unknown>, inputs: unknown): I {
  const r = handler.validate(inputs);
  if ("issues" in r) {
    throw new ValidationError(`invalid ${handler.kind} step: ${formatIssues(r.issues)}`, r.issues, "ActionInputInvalid");
  }
  return r.inputs;
}

/** Deep equality of JSON-like values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!jsonEqual(ao[k], bo[k])) return false;
  return true;
}

/** Names of `fields` whose values differ between two input objects. */
export function changedFields<T extends object>(a: T, b: T, fields: readonly (keyof T)[]): string[] {
  return fields.filter((f) => !jsonEqual(a[f], b[f])).map(String);
}
