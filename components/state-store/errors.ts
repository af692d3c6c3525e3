import { ConflictError, RemoteError, ValidationError, type FieldIssue } from "../errors";

/** Stable error codes of the Git State Store. */
export const StateStoreCodes = {
  /** A directory or file path is unsafe (`..`, absolute, empty segment, `.git`, …). */
  InvalidPath: "StateStoreInvalidPath",
  /** The remote could not be reached (connection refused, DNS, timeout, repository not found). */
  Unreachable: "StateStoreUnreachable",
  /** The remote refused our credentials (401/403). */
  AuthFailed: "StateStoreAuthFailed",
  /** The remote answered something we could not use (unexpected HTTP status, unpack failure). */
  RemoteFailed: "StateStoreRemoteFailed",
  /** Our push kept losing the race against other writers after every retry. */
  Contended: "StateStoreContended",
  /** A directory would replace a file or a file a directory that this operation does not own. */
  PathConflict: "StateStorePathConflict",
} as const;

/** Strips user info (credentials) from a URL so it can be named in messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}

/** A path given to the store is unsafe; names the field and the offending path. */
export function invalidPath(field: string, path: string, reason: string): ValidationError {
  const issue: FieldIssue = { path: [field], message: `${JSON.stringify(path)}: ${reason}` };
  return new ValidationError(
    `${field} ${JSON.stringify(path)} is not a safe store path: ${reason}; use relative paths of plain names (no "..", ".git", empty or absolute segments)`,
    [issue],
    StateStoreCodes.InvalidPath,
  );
}

export function unreachable(url: string, cause: string): RemoteError {
  const remote = redactUrl(url);
  return new RemoteError(
    `state store remote ${remote} is unreachable: ${cause}; check the URL and that the Git host is running`,
    { remote },
    StateStoreCodes.Unreachable,
  );
}

export function authFailed(url: string, status: number): RemoteError {
  const remote = redactUrl(url);
  return new RemoteError(
    `state store remote ${remote} refused the credentials (HTTP ${status}); check the state store username/password or token`,
    { remote, status },
    StateStoreCodes.AuthFailed,
  );
}

export function remoteFailed(url: string, cause: string): RemoteError {
  const remote = redactUrl(url);
  return new RemoteError(`state store remote ${remote} failed: ${cause}`, { remote }, StateStoreCodes.RemoteFailed);
}

export function contended(url: string, attempts: number): RemoteError {
  const remote = redactUrl(url);
  return new RemoteError(
    `state store remote ${remote}: push was rejected ${attempts} times because other writers kept moving the branch; retry later`,
    { remote, attempts },
    StateStoreCodes.Contended,
  );
}

export function pathConflict(path: string, reason: string): ConflictError {
  return new ConflictError(`state store path ${JSON.stringify(path)} conflicts with existing content: ${reason}`, { path }, StateStoreCodes.PathConflict);
}
