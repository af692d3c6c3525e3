/**
 * Errors are data: every error Plinth raises carries a stable `code`, a human `message` naming the field
 * and the fix, and `details` (e.g. zod issue paths). The service maps each class to an HTTP status.
 */
import type { FieldIssue } from "./vocabulary/names";

export interface ErrorData {
  code: string;
  message: string;
  details?: unknown;
}

export class PlinthError extends Error {
  readonly code: string;
  readonly details: unknown;
  /** HTTP status the service answers with. */
  readonly status: number;

  constructor(code: string, message: string, details?: unknown, status = 500) {
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
    super(code, message, details, 400);
  }
}
export class ValidationError extends PlinthError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[], code = "ValidationFailed") {
    super(code, message, { issues }, 422);
    this.issues = issues;
  }
}
export class UnauthorizedError extends PlinthError {
  constructor(message = "missing or invalid bearer token", code = "Unauthorized") {
    super(code, message, undefined, 401);
  }
}
export class ForbiddenError extends PlinthError {
  constructor(message: string, details?: unknown, code = "Forbidden") {
    super(code, message, details, 403);
  }
}
export class NotFoundError extends PlinthError {
  constructor(message: string, details?: unknown, code = "NotFound") {
    super(code, message, details, 404);
  }
}
export class ConflictError extends PlinthError {
  constructor(message: string, details?: unknown, code = "Conflict") {
    super(code, message, details, 409);
  }
}
export class PayloadTooLargeError extends PlinthError {
  constructor(message: string, details?: unknown, code = "PayloadTooLarge") {
    super(code, message, details, 413);
  }
}
export class UnsupportedMediaTypeError extends PlinthError {
  constructor(message: string, details?: unknown, code = "UnsupportedMediaType") {
    super(code, message, details, 415);
  }
}
/** A limit per team or token is reached: try again later (`Retry-After` says when). */
export class TooManyRequestsError extends PlinthError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, details?: Record<string, unknown>, code = "TooManyRequests") {
    super(code, message, { ...details, retryAfterSeconds }, 429);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
export class BusyError extends PlinthError {
  constructor(message: string, details?: unknown, code = "EngineBusy") {
    super(code, message, details, 503);
  }
}
/** A remote (Git host, external API) failed or refused us. */
export class RemoteError extends PlinthError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details, 502);
  }
}

/** Formats field issues as one line each: `spec.size: must be >= 1`. */
export function formatIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`).join("; ");
}
