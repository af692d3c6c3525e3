/**
 * A small Kubernetes API client over node:https: bearer token + the server's CA, JSON in and out.
 * No dependencies beyond Node. The token is sent only in the Authorization header and never appears in
 * an error, a message or a log line.
 *
 *   const kube = new KubeClient({ server, caPem, token });
 *   await kube.create("/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", ... });
 *   const cm = await kube.get("/api/v1/namespaces/default/configmaps/x");   // undefined on 404
 */
import { setTimeout as delay } from "node:timers/promises";
import * as fs from "node:fs";
import * as https from "node:https";
import { HTTP_STATUS, PlinthError } from "../../components/errors";
import { parseKubeconfig } from "./kubeconfig";

export interface KubeClientOptions {
  /** `https://host:port` */
  server: string;
  caPem: string;
  token: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface KubeRequest {
  method: string;
  /** Absolute API path with query, e.g. `/api/v1/namespaces/default/configmaps?limit=10`. */
  path: string;
  /** Object (sent as JSON) or a string sent as is. */
  body?: unknown;
  /** Default `application/json`; e.g. `application/merge-patch+json`, `application/apply-patch+yaml`. */
  contentType?: string;
}

export interface KubeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/** `reason` (Kubernetes Status.reason) or a name for the HTTP status when the server gave none. */
function reasonFor(status: number): string {
  const byStatus: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Gone",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  return byStatus[status] ?? `Http${status}`;
}

/**
 * The API server refused a request (non-2xx) or could not be reached (status 0, reason "Unreachable").
 * `code` is `Kube<reason>` (e.g. KubeNotFound, KubeForbidden, KubeAlreadyExists); `status` is the HTTP status
 * the API server answered with; `details` holds method, path, reason and the Status `details` (causes).
 */
export class KubeError extends PlinthError {
  readonly reason: string;
  readonly apiMessage: string;
  readonly method: string;
  readonly path: string;

  constructor(args: { method: string; path: string; status: number; reason: string; apiMessage: string; details?: unknown }) {
    super(
      `Kube${args.reason}`,
      `${args.method} ${args.path}: ${args.status ? `${args.status} ` : ""}${args.reason}: ${args.apiMessage}`,
      { method: args.method, path: args.path, reason: args.reason, ...(args.details === undefined ? {} : { status: args.details }) },
      args.status,
    );
    this.reason = args.reason;
    this.apiMessage = args.apiMessage;
    this.method = args.method;
    this.path = args.path;
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

export class KubeClient {
  readonly server: string;
  private readonly url: URL;
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;
  /** Not enumerable, so `console.log(client)` or JSON never shows it. */
  private declare readonly auth: string;

  constructor(o: KubeClientOptions) {
    this.server = o.server.replace(/\/+$/, "");
    this.url = new URL(this.server);
    if (this.url.protocol !== "https:") throw new PlinthError("InvalidServer", `server must be an https:// URL, got ${this.server}`, undefined, HTTP_STATUS.badRequest);
    this.agent = new https.Agent({ ca: o.caPem, keepAlive: true, maxSockets: 8 });
    this.timeoutMs = o.timeoutMs ?? 30_000;
    Object.defineProperty(this, "auth", { value: `Bearer ${o.token}`, enumerable: false });
  }

  /** A client for the current context of a kubeconfig (token users only). */
  static fromKubeconfig(text: string, opts: { timeoutMs?: number } = {}): KubeClient {
    const c = parseKubeconfig(text, (p) => fs.readFileSync(p, "utf8"));
    return new KubeClient({ server: c.server, caPem: c.caPem, token: c.token, timeoutMs: opts.timeoutMs });
  }

  /** Any request; resolves with status and body for every HTTP status (no KubeError for non-2xx). */
  raw(r: KubeRequest): Promise<KubeResponse> {
    const payload = r.body === undefined ? undefined : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
    const headers: Record<string, string | number> = { Authorization: this.auth, Accept: "application/json" };
    if (payload !== undefined) {
      headers["Content-Type"] = r.contentType ?? "application/json";
      headers["Content-Length"] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.url.hostname, port: this.url.port || 443, method: r.method, path: r.path, headers, agent: this.agent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = text;
            if (text && /json/.test(String(res.headers["content-type"] ?? ""))) {
              try {
                body = JSON.parse(text);
              } catch {
                /* keep the text */
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on("error", (err) =>
        reject(new KubeError({ method: r.method, path: r.path, status: 0, reason: "Unreachable", apiMessage: `${this.server}: ${err.message}` })),
      );
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * A request that must succeed (2xx); resolves with the parsed body, else throws a KubeError.
   * A 429 carrying Retry-After (e.g. "storage is (re)initializing" right after a CRD is established; the
   * request was not processed) is retried up to 10 times, as client-go does.
   */
  async request<T = unknown>(r: KubeRequest): Promise<T> {
    let res = await this.raw(r);
    for (let i = 0; i < 10 && res.status === 429 && res.headers["retry-after"] !== undefined; i++) {
      const secs = Number(res.headers["retry-after"]);
      await delay(Math.min(Number.isFinite(secs) && secs > 0 ? secs * 1000 : 1000, 10_000));
      res = await this.raw(r);
    }
    if (res.status >= 200 && res.status < 300) return res.body as T;
    const st = (res.body && typeof res.body === "object" ? res.body : {}) as { kind?: string; reason?: string; message?: string; details?: unknown };
    const apiMessage = st.message ?? (typeof res.body === "string" && res.body ? res.body.trim().slice(0, 500) : "(no message)");
    throw new KubeError({ method: r.method, path: r.path, status: res.status, reason: st.reason || reasonFor(res.status), apiMessage, details: st.details });
  }

  /** The object, or undefined when the API server answers 404. */
  async get<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>({ method: "GET", path });
    } catch (err) {
      if (err instanceof KubeError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The `items` of a list. */
  async list<T = Record<string, unknown>>(path: string): Promise<T[]> {
    const res = await this.request<{ items?: T[] }>({ method: "GET", path });
    return res.items ?? [];
  }

  /** POST to a collection path. An existing object → KubeError `KubeAlreadyExists` (409). */
  create<T = Record<string, unknown>>(path: string, obj: unknown): Promise<T> {
    return this.request<T>({ method: "POST", path, body: obj });
  }

  /** JSON merge patch (RFC 7386) of an object path. */
  mergePatch<T = Record<string, unknown>>(path: string, patch: unknown): Promise<T> {
    return this.request<T>({ method: "PATCH", path, body: patch, contentType: "application/merge-patch+json" });
  }

  /** Server-side apply (creates or updates) of an object path, owned by `fieldManager`, conflicts forced. */
  apply<T = Record<string, unknown>>(path: string, obj: unknown, fieldManager = "plinth"): Promise<T> {
    const sep = path.includes("?") ? "&" : "?";
    return this.request<T>({ method: "PATCH", path: `${path}${sep}fieldManager=${encodeURIComponent(fieldManager)}&force=true`, body: obj, contentType: "application/apply-patch+yaml" });
  }

  /** Deletes an object; resolves with the server's answer, or undefined when it was already gone (404). */
  async delete<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>({ method: "DELETE", path });
    } catch (err) {
      if (err instanceof KubeError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Polls `path` until `predicate(object)` is true (object is undefined while it does not exist) and
   * resolves with that object. Authentication/authorization errors end the wait at once; other errors
   * are retried. On timeout: a PlinthError `KubeWaitTimeout` (504) naming the path and the last error.
   */
  async waitFor<T = Record<string, unknown>>(path: string, predicate: (obj: T | undefined) => boolean, o: WaitForOptions = {}): Promise<T | undefined> {
    const timeoutMs = o.timeoutMs ?? 60_000;
    const intervalMs = o.intervalMs ?? 250;
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (o.signal?.aborted) throw o.signal.reason;
      try {
        const obj = await this.get<T>(path);
        if (predicate(obj)) return obj;
        last = undefined;
      } catch (err) {
        if (err instanceof KubeError && (err.status === 401 || err.status === 403)) throw err;
        last = err;
      }
      if (Date.now() + intervalMs > deadline) {
        const why = last instanceof Error ? ` (last error: ${last.message})` : "";
        throw new PlinthError("KubeWaitTimeout", `${path} did not reach the expected state within ${(timeoutMs / 1000).toFixed(0)} s${why}`, { path, timeoutMs }, HTTP_STATUS.timeout);
      }
      await delay(intervalMs, undefined, { signal: o.signal });
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
