/** Bearer-token authentication for `/v1/*`: the token is resolved by the core and never logged. */
import type { IncomingMessage } from "node:http";
import { UnauthorizedError } from "../../components/errors";
import type { Caller, PlatformService } from "../core/types";

/** The token in `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Resolves the caller or throws 401 (`Unauthorized`); the answer carries `WWW-Authenticate: Bearer`. */
export function authenticate(req: IncomingMessage, service: PlatformService): Caller {
  const header = req.headers.authorization;
  const token = bearerToken(header);
  if (!token) {
    throw new UnauthorizedError(
      header ? "the Authorization header must be 'Bearer <token>'" : "missing bearer token: send 'Authorization: Bearer <token>'",
    );
  }
  const caller = service.authenticate(token);
  if (!caller) throw new UnauthorizedError("invalid bearer token: ask the platform team for a valid token");
  return caller;
}

export const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="plinth"' };
