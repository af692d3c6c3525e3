/** What every `/v1` route handler receives. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller, PlatformService } from "../../core/types";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  caller: Caller;
  service: PlatformService;
  maxBodyBytes: number;
  heartbeatMs?: number;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void>;
