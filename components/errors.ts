/**
 * Errors are data: every error Plinth raises carries a stable `code`, a human `message` naming the field
 * and the fix, and `details` (e.g. zod issue paths). Each kind below takes `(message, details?, code?)`;
 * their HTTP statuses are in one table, `HTTP_STATUS`. Modules keep their codes beside their errors (e.g.
 * `StateStoreCodes` in state-store/errors.ts).
 */
import type { FieldIssue } from "./vocabulary/names";

export interface ErrorData {
  code: string;
  message: string;
  details?: unknown;
}

/** The HTTP status of each kind of error: the one place they are mapped. */
export const HTTP_STATUS = {
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  methodNotAllowed: 405,
  conflict: 409,
  gone: 410,
  payloadTooLarge: 413,
  unsupportedMediaType: 415,
  validation: 422,
  /** The caller gave up (an aborted start). */
  aborted: 499,
  tooManyRequests: 429,
  internal: 500,
  remote: 502,
  busy: 503,
  timeout: 504,
} as const;

/**
 * The root class: `code`, `message`, `details` and the HTTP status (a value of `HTTP_STATUS`). Raise one of
 * its subclasses; a module's own error class passes its code and status here.
 */
export class PlinthError extends Error {
  readonly code: string;
  readonly details: unknown;
  /** HTTP status the service answers with. */
  readonly status: number;

  constructor(code: string, message: string, details?: unknown, status: number = HTTP_STATUS.internal) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
    this.status = status;
  }

  toJSON(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** One failed check of an input (defined in the shared vocabulary). */
export type { FieldIssue };

export class BadRequestError extends PlinthError {
  constructor(message: string, details?: unknown, code = "BadRequest") {
    super(code, message, details, HTTP_STATUS.badRequest);
  }
}
export class ValidationError extends PlinthError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[], code = "ValidationFailed") {
    super(code, message, { issues }, HTTP_STATUS.validation);
    this.issues = issues;
  }
}
export class UnauthorizedError extends PlinthError {
  constructor(message = "missing or invalid bearer token", details?: unknown, code = "Unauthorized") {
    super(code, message, details, HTTP_STATUS.unauthorized);
  }
}
export class ForbiddenError extends PlinthError {
  constructor(message: string, details?: unknown, code = "Forbidden") {
    super(code, message, details, HTTP_STATUS.forbidden);
  }
}
export class NotFoundError extends PlinthError {
  constructor(message: string, details?: unknown, code = "NotFound") {
    super(code, message, details, HTTP_STATUS.notFound);
  }
}
export class ConflictError extends PlinthError {
  constructor(message: string, details?: unknown, code = "Conflict") {
    super(code, message, details, HTTP_STATUS.conflict);
  }
}
export class PayloadTooLargeError extends PlinthError {
  constructor(message: string, details?: unknown, code = "PayloadTooLarge") {
    super(code, message, details, HTTP_STATUS.payloadTooLarge);
  }
}
export class UnsupportedMediaTypeError extends PlinthError {
  constructor(message: string, details?: unknown, code = "UnsupportedMediaType") {
    super(code, message, details, HTTP_STATUS.unsupportedMediaType);
  }
}
/** A limit per team or token is reached: try again later (`Retry-After` says when: `details.retryAfterSeconds`). */
export class TooManyRequestsError extends PlinthError {
  readonly retryAfterSeconds: number;
  constructor(message: string, details: { retryAfterSeconds: number; [key: string]: unknown }, code = "TooManyRequests") {
    super(code, message, details, HTTP_STATUS.tooManyRequests);
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}
export class BusyError extends PlinthError {
  constructor(message: string, details?: unknown, code = "EngineBusy") {
    super(code, message, details, HTTP_STATUS.busy);
  }
}
/** A remote (Git host, external API) failed or refused us. */
export class RemoteError extends PlinthError {
  constructor(message: string, details?: unknown, code = "RemoteFailed") {
    super(code, message, details, HTTP_STATUS.remote);
  }
}

/** Formats field issues as one line each: `spec.size: must be >= 1`. */
export function formatIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
