/** What every `/v1` route handler receives. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller, PlatformService } from "../../core/types";
import type { ApiLimits } from "../limits";
import type { Session, SessionStore } from "../sessions";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  caller: Caller;
  service: PlatformService;
  maxBodyBytes: number;
  limits: ApiLimits;
  /** Counts an event stream against the caller's token (429 past `maxStreamsPerToken`); returns its release. */
  openStream: () => () => void;
  heartbeatMs?: number;
  /** Portal sessions (absent: the API takes bearer tokens only). */
  sessions?: SessionStore;
  /** The caller's portal session when the request was authenticated by its cookie. */
  session?: Session;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void>;
