/**
 * Who sees which request: a team sees the requests in its namespaces that belong to it (the
 * `plinth.dev/team` annotation); the platform sees all. GET, list, watch, PUT, DELETE and preview all
 * go through here, so they agree.
 */
import { ForbiddenError, NotFoundError } from "../../components/errors";
import { mayUse } from "./auth";
import type { StoredRequest } from "./store";
import type { Caller, RequestKey } from "./types";

export const TEAM_ANNOTATION = "plinth.dev/team";

export function teamOf(rec: Pick<StoredRequest, "object">): string | undefined {
  return rec.object.metadata.annotations?.[TEAM_ANNOTATION];
}

export function visible(rec: Pick<StoredRequest, "object">, caller: Caller): boolean {
  if (caller.namespaces === "*") return true;
  return mayUse(caller, rec.object.metadata.namespace) && (teamOf(rec) ?? caller.team) === caller.team;
}

/** 404 for a request the caller may not see (as if it did not exist). */
export function notFound(key: RequestKey): NotFoundError {
  return new NotFoundError(`${key.kind} "${key.name}" not found in namespace "${key.namespace}"`, key, "RequestNotFound");
}

/** A write (or its preview) naming another team's request in a shared namespace: 403, nothing shown. */
export function assertMayWrite(existing: StoredRequest, caller: Caller, key: RequestKey): void {
  if (!visible(existing, caller)) throw new ForbiddenError(`${key.kind} "${key.name}" in "${key.namespace}" belongs to another team`, key, "RequestOwnedByAnotherTeam");
}
