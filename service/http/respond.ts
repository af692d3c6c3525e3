/** JSON answers and the mapping of thrown errors to `{code, message, details}` with their HTTP status. */
import type { ServerResponse } from "node:http";
import { PlinthError, type ErrorData } from "../../components/errors";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(text)),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** An error as the API answers it. Unknown errors become 500 `InternalError` with no stack or message leak. */
export function errorAnswer(err: unknown): { status: number; body: ErrorData & { details: unknown } } {
  if (err instanceof PlinthError || isErrorLike(err)) {
    const e = err as PlinthError;
    const status = Number.isInteger(e.status) && e.status >= 400 && e.status <= 599 ? e.status : 500;
    return { status, body: { code: e.code, message: e.message, details: e.details ?? null } };
  }
  return { status: 500, body: { code: "InternalError", message: "internal error; see the service log", details: null } };
}

/** A PlinthError from another copy of the module (duck-typed: string code, numeric status). */
function isErrorLike(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; status?: unknown };
  return typeof e.code === "string" && typeof e.status === "number";
}

export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): number {
  const { status, body } = errorAnswer(err);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  sendJson(res, status, body, headers);
  return status;
}
