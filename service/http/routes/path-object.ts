/**
 * For `PUT /v1/requests/{namespace}/{kind}/{name}`: the body's metadata must agree with the path; what
 * the body leaves out is filled from it. Kinds compare through the Promise registry (kind or plural,
 * any case), so `teamnamespaces` in the path matches `kind: TeamNamespace` in the body.
 */
import { BadRequestError, type FieldIssue } from "../../../components/errors";
import type { RegistryEntry } from "../../../components/promise/types";
import type { RequestKey } from "../../core/types";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The registry entry a kind names (kind or plural, case-insensitive). */
export function findPromiseByKind(promises: readonly RegistryEntry[], kind: string): RegistryEntry | undefined {
  const k = kind.toLowerCase();
  return promises.find((p) => p.kind.toLowerCase() === k || p.plural.toLowerCase() === k);
}

function sameKind(promises: readonly RegistryEntry[], a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const pa = findPromiseByKind(promises, a);
  return pa !== undefined && pa === findPromiseByKind(promises, b);
}

/** The body with path values filled in, or 400 `PathMismatch` naming each disagreeing field. */
export function reconcileWithPath(body: unknown, key: RequestKey, promises: readonly RegistryEntry[]): Record<string, unknown> {
  if (!isRecord(body)) {
    throw new BadRequestError("the body must be one object with apiVersion, kind, metadata and spec", undefined, "MalformedBody");
  }
  const metadata = body.metadata === undefined ? {} : body.metadata;
  if (!isRecord(metadata)) {
    throw new BadRequestError("metadata must be an object", { issues: [{ path: ["metadata"], message: "must be an object" }] }, "MalformedBody");
  }
  const issues: FieldIssue[] = [];
  const check = (path: (string | number)[], value: unknown, expected: string, equal: (a: string, b: string) => boolean): void => {
    if (value === undefined) return;
    if (typeof value !== "string" || !equal(value, expected)) {
      issues.push({ path, message: `is ${JSON.stringify(value)} but the URL path says "${expected}"; make them agree or leave the field out` });
    }
  };
  check(["metadata", "namespace"], metadata.namespace, key.namespace, (a, b) => a === b);
  check(["metadata", "name"], metadata.name, key.name, (a, b) => a === b);
  check(["kind"], body.kind, key.kind, (a, b) => sameKind(promises, a, b));
  if (issues.length > 0) {
    throw new BadRequestError(`the body does not match the URL path: ${issues.map((i) => i.path.join(".")).join(", ")}`, { issues }, "PathMismatch");
  }
  const entry = findPromiseByKind(promises, key.kind);
  return {
    ...body,
    apiVersion: body.apiVersion ?? entry?.apiVersion,
    kind: body.kind ?? entry?.kind ?? key.kind,
    metadata: { ...metadata, namespace: key.namespace, name: key.name },
  };
}
