/** The API client: JSON over global fetch, bearer token, API errors turned back into PlinthErrors. */
import { PlinthError } from "../components/errors";
import type { Connection } from "./config";

/** An error answered by the API (or reaching it failed): same `{code, message, details}` and status. */
export class ApiError extends PlinthError {}

export class ApiClient {
  constructor(
    readonly connection: Connection,
    private readonly fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a),
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { Accept: "application/json", ...extra };
    if (this.connection.token) h.Authorization = `Bearer ${this.connection.token}`;
    return h;
  }

  private async send(method: string, path: string, init: { body?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const url = this.connection.url + path;
    try {
      return await this.fetchImpl(url, { method, body: init.body, headers: this.headers(init.headers), signal: init.signal });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        "Unreachable",
        `cannot reach the Plinth API at ${this.connection.url} (${cause?.code ?? cause?.message ?? (err as Error).message}): start it with \`npm start\` or set PLINTH_URL`,
        undefined,
        0,
      );
    }
  }

  private static async fail(res: Response): Promise<never> {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
      if (typeof body.code === "string" && typeof body.message === "string") {
        throw new ApiError(body.code, body.message, body.details ?? undefined, res.status);
      }
      // A Kubernetes-style answer (`/apis/...`): a metav1.Status.
      const status = body as { kind?: unknown; reason?: unknown };
      if (status.kind === "Status" && typeof status.reason === "string" && typeof body.message === "string") {
        throw new ApiError(status.reason, body.message, body.details ?? undefined, res.status);
      }
    } catch (e) {
      if (e instanceof ApiError) throw e;
    }
    throw new ApiError("HttpError", `the API answered ${res.status} ${res.statusText}`, undefined, res.status);
  }

  /** Sends JSON (when `body` is given) and parses the JSON answer; non-2xx throws ApiError. */
  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.send(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    if (!res.ok) return ApiClient.fail(res);
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Opens a Server-Sent Events stream; non-2xx throws ApiError. */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const res = await this.send("GET", path, { headers: { Accept: "text/event-stream" }, signal });
    if (!res.ok) return ApiClient.fail(res);
    return res;
  }
}

/** `/v1/requests/<ns>/<kind>/<name>` with each segment encoded. */
export function requestPath(key: { namespace: string; kind: string; name: string }): string {
  return `/v1/requests/${encodeURIComponent(key.namespace)}/${encodeURIComponent(key.kind)}/${encodeURIComponent(key.name)}`;
}
