/**
 * Authentication for `/v1/*`: a bearer token (resolved by the core, never logged) or, from the web
 * portal, a session cookie whose writes carry the session's CSRF token.
 */
import type { IncomingMessage } from "node:http";
import { ForbiddenError, UnauthorizedError } from "../../components/errors";
import type { Caller, PlatformService } from "../core/types";
import { CSRF_HEADER, SESSION_COOKIE, csrfProblem, readCookie, type Session, type SessionStore } from "./sessions";

/** The token in `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The portal session a request's cookie names (401 when it has expired), or undefined without a cookie. */
export function sessionOf(req: IncomingMessage, sessions: SessionStore | undefined): Session | undefined {
  const id = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (!id || !sessions) return undefined;
  const session = sessions.get(id);
  if (!session) throw new UnauthorizedError("your portal session has expired or was signed out: sign in again", undefined, "SessionExpired");
  const problem = csrfProblem(
    { method: req.method ?? "GET", origin: header(req, "origin"), host: header(req, "host"), csrfHeader: header(req, CSRF_HEADER) },
    session,
  );
  if (problem) throw new ForbiddenError(problem, undefined, "CsrfRejected");
  return session;
}

/**
 * Resolves the caller or throws 401 (`Unauthorized`; the answer carries `WWW-Authenticate: Bearer`).
 * A bearer token wins over a cookie.
 */
export function authenticate(req: IncomingMessage, service: PlatformService, sessions?: SessionStore): { caller: Caller; session?: Session } {
  const auth = req.headers.authorization;
  const token = bearerToken(auth);
  if (!token) {
    const session = auth ? undefined : sessionOf(req, sessions);
    if (session) return { caller: session.caller, session };
    throw new UnauthorizedError(
      auth ? "the Authorization header must be 'Bearer <token>'" : "missing bearer token: send 'Authorization: Bearer <token>'",
    );
  }
  const caller = service.authenticate(token);
  if (!caller) throw new UnauthorizedError("invalid bearer token: ask the platform team for a valid token");
  return { caller };
}

export const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="plinth"' };
