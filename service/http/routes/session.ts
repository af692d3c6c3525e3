/**
 * The web portal's sign-in: one-time links (made with a bearer token, e.g. by `plinth ui`), exchanging
 * a link's code or a pasted token for a session cookie, reading the session (and its CSRF token), and
 * signing out.
 */
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from "../../../components/errors";
import type { Caller } from "../../core/types";
import { readBody } from "../body";
import { sendJson } from "../respond";
import { originProblem, sessionCookie, type Session, type SessionStore } from "../sessions";
import type { RouteContext, RouteHandler } from "./context";

function store(ctx: RouteContext): SessionStore {
  if (!ctx.sessions) throw new NotFoundError("this service has no web portal sessions", undefined, "NotSupported");
  return ctx.sessions;
}

function view(s: Session): Record<string, unknown> {
  return { team: s.caller.team, namespaces: s.caller.namespaces, csrfToken: s.csrf, expiresAt: new Date(s.expiresAt).toISOString() };
}

/** `POST /v1/session/links`: a one-time sign-in link for the caller's team. */
export const createSignInLink: RouteHandler = async (ctx) => {
  const { code, expiresAt } = store(ctx).createLink(ctx.caller);
  const host = ctx.req.headers.host ?? "127.0.0.1";
  sendJson(ctx.res, 201, { url: `http://${host}/ui/#/signin?code=${code}`, team: ctx.caller.team, expiresAt: new Date(expiresAt).toISOString() });
};

async function readCredentials(ctx: RouteContext): Promise<{ code?: string; token?: string }> {
  const type = (ctx.req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") throw new BadRequestError("send the sign-in as JSON: {\"code\": ...} or {\"token\": ...}", undefined, "MalformedBody");
  let body: unknown;
  try {
    body = JSON.parse((await readBody(ctx.req, 4096)).toString("utf8"));
  } catch {
    throw new BadRequestError("the body is not valid JSON", undefined, "MalformedBody");
  }
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof b.code === "string" && b.code ? b.code : undefined;
  const token = typeof b.token === "string" && b.token.trim() ? b.token.trim() : undefined;
  if (!code && !token) throw new BadRequestError("give the sign-in link's code or a token", { issues: [{ path: ["token"], message: "required" }] }, "MalformedBody");
  return { code, token };
}

/** `POST /v1/session` (no authentication): a sign-in code or a token becomes a session cookie. */
export const signIn: RouteHandler = async (ctx) => {
  const sessions = store(ctx);
  const origin = originProblem(ctx.req.headers.origin, ctx.req.headers.host);
  if (origin) throw new ForbiddenError(origin, undefined, "CsrfRejected");
  const { code, token } = await readCredentials(ctx);
  let caller: Caller | undefined;
  if (code) {
    caller = sessions.redeemLink(code);
    if (!caller) throw new UnauthorizedError("this sign-in link was used already or has expired: run `plinth ui` for a new one", undefined, "SignInLinkInvalid");
  } else {
    caller = ctx.service.authenticate(token!);
    if (!caller) throw new UnauthorizedError("invalid token: ask the platform team for a valid token");
  }
  const session = sessions.create(caller);
  sendJson(ctx.res, 201, view(session), { "Set-Cookie": sessionCookie(session.id, session.expiresAt - Date.now()) });
};

/** `GET /v1/session`: who is signed in, and the CSRF token the portal sends on writes. */
export const getSession: RouteHandler = async (ctx) => {
  if (!ctx.session) throw new UnauthorizedError("not signed in to the portal (this call takes the session cookie)", undefined, "NoSession");
  sendJson(ctx.res, 200, view(ctx.session));
};

/** `DELETE /v1/session`: signs out (the cookie is cleared). */
export const signOut: RouteHandler = async (ctx) => {
  if (ctx.session) store(ctx).delete(ctx.session.id);
  sendJson(ctx.res, 200, { signedOut: true }, { "Set-Cookie": sessionCookie("", 0) });
};
