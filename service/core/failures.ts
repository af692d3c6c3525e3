/**
 * What a failed reconcile is, by its message (pure), and so how it is retried:
 * - `permanent`: the workflow rendered something the team may not place (tenancy, `ForbiddenPlacement`)
 *   or a plaintext secret for a keyed destination (`PlaintextSecret`). Retrying cannot help: `Stalled`
 *   at once, with that reason.
 * - `storeUnavailable`: the State Store's remote is unreachable or failing (connection refused or reset,
 *   DNS, timeout, HTTP 5xx or 429). Not the request's fault, and over once the remote is back: retried
 *   without limit, at most `STORE_RETRY_MAX_MS` apart, `Ready=False` with reason `StateStoreUnavailable`
 *   meanwhile; never `Stalled` (nothing retries a Stalled request but a new write or a manual reconcile).
 * - `transient`: a contended push, a locked stack, a conflict: retried up to twice the attempt limit.
 * - `failure`: anything else (a workflow error, a bad config): retried up to the attempt limit.
 */
export type FailureKind = "permanent" | "storeUnavailable" | "transient" | "failure";

/** Longest wait between two retries while the State Store is unavailable: once it is back, requests converge within this (plus their queue wait). */
export const STORE_RETRY_MAX_MS = 60_000;

const STORE_UNAVAILABLE = /StateStoreUnreachable|state store remote \S+ (is unreachable|failed: .*HTTP (5\d\d|429)\b)/i;
const TRANSIENT = /StateStoreContended|currently locked|conflict|ECONNRESET|ECONNREFUSED|timed? ?out|non-fast-forward/i;

/** Failures retrying cannot fix; group 1 is the request's `Stalled` reason. */
export const PERMANENT = /\b(ForbiddenPlacement|PlaintextSecret): /;

export function failureKind(message: string): FailureKind {
  if (PERMANENT.test(message)) return "permanent";
  if (STORE_UNAVAILABLE.test(message)) return "storeUnavailable";
  if (TRANSIENT.test(message)) return "transient";
  return "failure";
}

/** Attempts before a failure of `kind` is given up on (`Stalled`). */
export function attemptLimit(kind: FailureKind, maxAttempts: number): number {
  return kind === "permanent" ? 1 : kind === "storeUnavailable" ? Number.POSITIVE_INFINITY : kind === "transient" ? maxAttempts * 2 : maxAttempts;
}
