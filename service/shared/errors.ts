/** Errors of shared mode (same shape as `components/errors.ts`: stable code, a message that says the fix). */
import { HTTP_STATUS, PlinthError } from "../../components/errors";

/** Postgres (or the remote Git store) cannot be reached: the request changed nothing; retry later (503). */
export class UnavailableError extends PlinthError {
  constructor(message: string, details?: unknown, code = "Unavailable") {
    super(code, message, details, HTTP_STATUS.busy);
  }
}

/** Shared mode was asked for with a configuration it cannot run on (refused at start). */
export class SharedModeConfigError extends PlinthError {
  constructor(message: string, details?: unknown, code = "SharedModeConfig") {
    super(code, message, details, HTTP_STATUS.badRequest);
  }
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03", "08000", "08003", "08006"]);

/** Whether `err` says the database connection is gone (as opposed to a query's own failure). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection/i.test(e.message ?? "");
}

/** Redacts the password of a `postgres://user:password@host/db` URL (for messages and logs). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}
