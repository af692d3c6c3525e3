/**
 * Browser sessions for the web portal: one-time sign-in links (made for a caller with a bearer token,
 * e.g. by `plinth ui`) and session cookies with a per-session CSRF token. The store is an interface so a
 * shared store can replace the in-memory one; ids and codes are kept only as SHA-256 hashes.
 */
import * as crypto from "node:crypto";
import type { Caller } from "../core/types";

export const SESSION_COOKIE = "plinth_session";
export const CSRF_HEADER = "x-plinth-csrf";
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
export const DEFAULT_LINK_TTL_MS = 10 * 60 * 1000;

export interface Session {
  /** The cookie value (only known when just created; stored hashed). */
  id: string;
  caller: Caller;
  csrf: string;
  expiresAt: number;
}

export interface SessionStore {
  /** A one-time sign-in code for `caller`, valid for the link TTL. */
  createLink(caller: Caller): { code: string; expiresAt: number };
  /** The caller a code was made for; the code is used up. Undefined when unknown, used or expired. */
  redeemLink(code: string): Caller | undefined;
  create(caller: Caller): Session;
  /** The live session with that cookie value, or undefined (unknown or expired). */
  get(id: string): Session | undefined;
  delete(id: string): void;
}

const hash = (s: string): string => crypto.createHash("sha256").update(s).digest("hex");
const random = (): string => crypto.randomBytes(32).toString("base64url");

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Omit<Session, "id">>();
  private readonly links = new Map<string, { caller: Caller; expiresAt: number }>();
  readonly ttlMs: number;
  readonly linkTtlMs: number;
  private readonly now: () => number;

  constructor(opts: { ttlMs?: number; linkTtlMs?: number; now?: () => number } = {}) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    this.linkTtlMs = opts.linkTtlMs ?? DEFAULT_LINK_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  createLink(caller: Caller): { code: string; expiresAt: number } {
    this.sweep();
    const code = random();
    const expiresAt = this.now() + this.linkTtlMs;
    this.links.set(hash(code), { caller, expiresAt });
    return { code, expiresAt };
  }

  redeemLink(code: string): Caller | undefined {
    const h = hash(code);
    const link = this.links.get(h);
    this.links.delete(h);
    return link && link.expiresAt > this.now() ? link.caller : undefined;
  }

  create(caller: Caller): Session {
    this.sweep();
    const id = random();
    const s = { caller, csrf: random(), expiresAt: this.now() + this.ttlMs };
    this.sessions.set(hash(id), s);
    return { id, ...s };
  }

  get(id: string): Session | undefined {
    const h = hash(id);
    const s = this.sessions.get(h);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(h);
      return undefined;
    }
    return { id, ...s };
  }

  delete(id: string): void {
    this.sessions.delete(hash(id));
  }

  /** Ends every session now (used by tests and on a token rotation). */
  expireAll(): void {
    for (const s of this.sessions.values()) s.expiresAt = 0;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
    for (const [k, l] of this.links) if (l.expiresAt <= now) this.links.delete(k);
  }
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session (empty value and Max-Age=0 clears it). */
export function sessionCookie(value: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** An Origin header, when present, must name the host the request was sent to. */
export function originProblem(origin: string | undefined, host: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `Origin "${origin}" is not a URL`;
  }
  return originHost === host ? undefined : `a write from origin ${origin} is refused: the portal only accepts writes from its own origin`;
}

/**
 * Why a cookie-authenticated request must be refused (CSRF), or undefined: unsafe methods need the
 * session's token in the `X-Plinth-CSRF` header and, when the browser sends one, a same-host Origin.
 */
export function csrfProblem(r: { method: string; origin?: string; host?: string; csrfHeader?: string }, session: Pick<Session, "csrf">): string | undefined {
  if (SAFE_METHODS.has(r.method.toUpperCase())) return undefined;
  const origin = originProblem(r.origin, r.host);
  if (origin) return origin;
  const got = Buffer.from(r.csrfHeader ?? "");
  const want = Buffer.from(session.csrf);
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
    return `a write with a session cookie needs the session's CSRF token in the ${CSRF_HEADER} header (the portal sends it)`;
  }
  return undefined;
}
