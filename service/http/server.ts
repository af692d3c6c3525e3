/**
 * The Automation API over HTTP: `createApiHandler` serves `/healthz`, `/metrics` and `/v1/*` and answers
 * false for anything else (so it mounts next to the Git smart-HTTP handler); `startApiServer` runs it on
 * a server of its own, started like the platform's (service/http-server.ts `startHttpServer`).
 */
import * as http from "node:http";
import { HTTP_STATUS, NotFoundError, PlinthError, TooManyRequestsError } from "../../components/errors";
import type { PlatformService } from "../core/types";
import { formatAccessLog, type AccessLog } from "./access-log";
import { authenticate, bearerToken, WWW_AUTHENTICATE } from "./auth";
import { DEFAULT_API_LIMITS, type ApiLimits } from "./limits";
import { StreamCounter } from "./streams";
import { Metrics } from "./metrics";
import { sendError, sendJson } from "./respond";
import { matchRoute } from "./router";
import type { SessionStore } from "./sessions";
import { ROUTES, isKubePath } from "./routes";
import { sendStatus, toKubeStatus } from "../kube/status";
import { startHttpServer, type Handler, type RunningServer } from "../http-server";

export interface ApiHandlerOptions {
  service: PlatformService;
  /** Shorthand for `limits.maxBodyBytes`. */
  maxBodyBytes?: number;
  /** Limits (platform config `plinth:limits`); unset ones keep their defaults. */
  limits?: Partial<ApiLimits>;
  metrics?: Metrics;
  /** Access log sink; one call per answered request. */
  log?: AccessLog;
  /** SSE heartbeat period (default 15 s). */
  heartbeatMs?: number;
  /** Web portal sessions: with them the API also takes a session cookie (writes need its CSRF token). */
  sessions?: SessionStore;
  /** `/readyz` (shared mode: Postgres and the Git remotes reachable); without it the replica is always ready. */
  readiness?: () => Promise<{ ready: boolean; checks: unknown[] }>;
}

/** Answers false when the request is not for it (service/http-server.ts `Handler`). */
export type RequestHandler = Handler;

export interface ApiHandler extends RequestHandler {
  metrics: Metrics;
}

/** The caller of a public route: no team, no namespaces. */
const ANONYMOUS = { team: "", namespaces: [] as string[] };

function owns(pathname: string): boolean {
  return pathname === "/healthz" || pathname === "/readyz" || pathname === "/metrics" || pathname === "/v1" || pathname.startsWith("/v1/") || isKubePath(pathname);
}

/** Records the metric and the access-log line once the answer is finished (or the stream closed). */
function observe(req: http.IncomingMessage, res: http.ServerResponse, route: () => string, path: string, metrics: Metrics, log?: AccessLog): void {
  const started = process.hrtime.bigint();
  let recorded = false;
  const record = (): void => {
    if (recorded) return;
    recorded = true;
    const method = req.method ?? "GET";
    const status = res.statusCode;
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.observeHttp({ method, route: route(), code: String(status) }, elapsed);
    const ms = Math.round(elapsed * 1000);
    log?.(formatAccessLog({ method, path, status, ms }), { method, path, status, ms });
  };
  res.on("finish", record);
  res.on("close", record);
}

export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const { service, log } = options;
  const limits: ApiLimits = { ...DEFAULT_API_LIMITS, ...definedOnly(options.limits ?? {}), ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) };
  const maxBodyBytes = limits.maxBodyBytes;
  const streams = new StreamCounter(limits.maxStreamsPerToken);
  const metrics = options.metrics ?? new Metrics();
  metrics.queueDepthSource = () => service.queueDepth();

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!owns(url.pathname)) return false;
    let route = url.pathname === "/healthz" || url.pathname === "/readyz" || url.pathname === "/metrics" ? url.pathname : "unmatched";
    observe(req, res, () => route, url.pathname, metrics, log);
    try {
      if (url.pathname === "/healthz") {
        sendJson(res, 200, { ok: true });
      } else if (url.pathname === "/readyz") {
        const report = options.readiness ? await options.readiness() : { ready: true, checks: [] };
        sendJson(res, report.ready ? 200 : 503, report);
      } else if (url.pathname === "/metrics") {
        const text = await metrics.render();
        res.writeHead(200, { "Content-Type": metrics.contentType, "Content-Length": String(Buffer.byteLength(text)) });
        res.end(text);
      } else {
        const match = matchRoute(ROUTES, url.pathname);
        if (match) route = match.route.template;
        // Before 404/405: nothing about routes leaks unauthenticated. Public routes (signing in) check their own;
        // `/version` is public, as on Kubernetes.
        const { caller, session } = match?.route.public
          ? { caller: ANONYMOUS, session: undefined }
          : url.pathname === "/version"
            ? { caller: { team: "system:anonymous", namespaces: [] as string[] }, session: undefined }
            : authenticate(req, service, options.sessions);
        if (!match && isKubePath(url.pathname)) throw new NotFoundError("the server could not find the requested resource");
        if (!match) throw new NotFoundError(`no API route ${url.pathname}: see GET /v1/promises, /v1/destinations, /v1/statestores, /v1/requests`);
        const method = req.method ?? "GET";
        const h = match.route.methods[method];
        if (!h) {
          const allow = Object.keys(match.route.methods).join(", ");
          const err = new PlinthError("MethodNotAllowed", `${method} is not allowed on ${route}: use ${allow}`, { allow }, HTTP_STATUS.methodNotAllowed);
          if (match.route.kube) sendStatus(res, toKubeStatus(err), { Allow: allow });
          else sendError(res, err, { Allow: allow });
          return true;
        }
        const openStream = (): (() => void) => streams.open(bearerToken(req.headers.authorization) ?? session?.id ?? "", caller.team);
        await h({ req, res, url, params: match.params, caller, session, sessions: options.sessions, service, maxBodyBytes, limits, openStream, heartbeatMs: options.heartbeatMs });
      }
    } catch (err) {
      answerError(req, res, err, log);
    }
    return true;
  };
  return Object.assign(handler, { metrics });
}

function answerError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown, log?: AccessLog): void {
  const isPlinth = err instanceof PlinthError || (err instanceof Error && typeof (err as { status?: unknown }).status === "number");
  if (!isPlinth) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const message = err instanceof Error ? err.message : String(err);
    log?.(`internal error on ${req.method} ${path}: ${message}`, { method: req.method ?? "", path, status: 500, ms: 0 });
  }
  const status = (err as { status?: number } | null | undefined)?.status;
  const headers: Record<string, string> = status === 401 ? { ...WWW_AUTHENTICATE } : {};
  if (err instanceof TooManyRequestsError) headers["Retry-After"] = String(err.retryAfterSeconds);
  // The body was not (fully) read: close the connection instead of reading the rest.
  const unread = !req.complete;
  if (unread) headers.Connection = "close";
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (isKubePath(path)) sendStatus(res, status === 401 ? { ...toKubeStatus(err), message: "Unauthorized" } : toKubeStatus(err), headers);
  else sendError(res, err, headers);
  if (unread) res.on("finish", () => req.socket.destroySoon?.());
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface StartApiServerOptions extends ApiHandlerOptions {
  port?: number;
  host?: string;
  /** Tried in order after the API for paths it does not own (e.g. the Git smart-HTTP handler). */
  extraHandlers?: RequestHandler[];
}

export interface ApiServer extends RunningServer {
  metrics: Metrics;
}

/** The API alone on a server of its own (tests): the same starter as the platform's (service/http-server.ts). */
export async function startApiServer(options: StartApiServerOptions): Promise<ApiServer> {
  const api = createApiHandler(options);
  const server = await startHttpServer({ host: options.host, port: options.port ?? 0, handlers: [api, ...(options.extraHandlers ?? [])] });
  return Object.assign(server, { metrics: api.metrics });
}
