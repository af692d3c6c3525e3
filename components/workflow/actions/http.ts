import { RemoteError } from "../../errors";
import { redact, redactDeep } from "./redact";
import type { ActionContext } from "./types";

/** One API call. `body` is sent as JSON unless it is already a string. */
export interface ApiRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  text: string;
}

export interface RetryPolicy {
  /** Attempts in all (first try included). Default 5. */
  maxAttempts: number;
  /** First backoff delay; doubles each retry. Default 250 ms. */
  baseDelayMs: number;
  /** Cap of one backoff delay. Default 10 s. */
  maxDelayMs: number;
  /** Longest Retry-After we wait for; a longer one fails the call at once. Default 60 s. */
  maxRetryAfterMs: number;
  /** Timeout of one attempt. Default 30 s. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 30_000,
};

export interface ApiClientOptions {
  /** Name of the API in messages, e.g. "Slack". */
  api: string;
  /** Error code, e.g. "SlackApiError". */
  code: string;
  /** Values that must never appear in an error or log (tokens, derived auth headers). */
  secrets: (string | undefined)[];
  retry?: Partial<RetryPolicy>;
  /** Extracts the API's own error text from a failed response body. */
  errorText?: (body: unknown, status: number) => string | undefined;
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds from `now`; undefined if absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** Exponential backoff with "equal jitter": half the capped delay fixed, half random. */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, rand = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(cap / 2 + rand() * (cap / 2));
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function describeBody(text: string): string {
  if (text.length === 0) return "";
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * Calls an API with bounded retries: 429, 5xx and network errors/timeouts are retried with exponential
 * backoff and jitter, honouring Retry-After. Any other non-2xx answer fails at once. Every failure is a
 * RemoteError `{code: opts.code}` whose message names the API and its error text, with secrets redacted.
 * Retries of a POST may repeat its side effect if the remote acted but answered 5xx.
 */
export async function callApi(req: ApiRequest, ctx: ActionContext, opts: ApiClientOptions): Promise<ApiResponse> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const doFetch = ctx.fetch ?? fetch;
  const sleep = ctx.sleep ?? ((ms: number) => abortableSleep(ms, ctx.signal));
  const clean = (s: string) => redact(s, opts.secrets);
  const target = `${req.method} ${clean(stripQuery(req.url))}`;
  const headers: Record<string, string> = { ...req.headers };
  let payload: string | undefined;
  if (req.body !== undefined) {
    payload = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/json";
  }

  let lastProblem = "";
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (ctx.signal?.aborted) throw fail(opts, `${opts.api} call ${target} cancelled`, { attempts: attempt - 1 });
    // A ref'd timer (AbortSignal.timeout's is unref'd and would not keep a pending call alive).
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error(`timed out after ${policy.timeoutMs} ms`)), policy.timeoutMs);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout.signal]) : timeout.signal;
    let waitMs: number | undefined;
    try {
      const res = await doFetch(req.url, { method: req.method, headers, body: payload, signal });
      const text = await res.text();
      let body: unknown;
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body, text };
      const apiText = opts.errorText?.(body, res.status) ?? describeBody(text);
      lastProblem = `HTTP ${res.status}${apiText ? `: ${apiText}` : ""}`;
      if (!isRetryableStatus(res.status)) {
        throw fail(opts, `${opts.api} API ${target} failed with ${clean(lastProblem)}`, {
          status: res.status,
          body: redactDeep(body ?? text, opts.secrets),
          attempts: attempt,
        });
      }
      const ra = parseRetryAfter(res.headers.get("retry-after"));
      if (ra !== undefined && ra > policy.maxRetryAfterMs) {
        throw fail(opts, `${opts.api} API ${target} asked to retry after ${Math.ceil(ra / 1000)} s (${clean(lastProblem)}), longer than the ${policy.maxRetryAfterMs / 1000} s we wait`, { status: res.status, retryAfterMs: ra, attempts: attempt });
      }
      waitMs = ra;
    } catch (err) {
      if (err instanceof RemoteError) throw err;
      if (ctx.signal?.aborted) throw fail(opts, `${opts.api} call ${target} cancelled`, { attempts: attempt });
      lastProblem = timeout.signal.aborted
        ? `timed out after ${policy.timeoutMs} ms`
        : `network error: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
    } finally {
      clearTimeout(timer);
    }
    if (attempt === policy.maxAttempts) break;
    const delay = waitMs ?? backoffDelay(attempt, policy);
    ctx.log(clean(`${opts.api}: ${target} ${lastProblem}; retry ${attempt}/${policy.maxAttempts - 1} in ${delay} ms`));
    try {
      await sleep(delay);
    } catch {
      throw fail(opts, `${opts.api} call ${target} cancelled`, { attempts: attempt });
    }
  }
  throw fail(opts, `${opts.api} API ${target} failed after ${policy.maxAttempts} attempts: ${clean(lastProblem)}`, { attempts: policy.maxAttempts });
}

function fail(opts: ApiClientOptions, message: string, details: Record<string, unknown>): RemoteError {
  return new RemoteError(redact(message, opts.secrets), redactDeep({ api: opts.api, ...details }, opts.secrets), opts.code);
}

function stripQuery(url: string): string {
  const i = url.indexOf("?");
  return i < 0 ? url : url.slice(0, i);
}

/** `Authorization: Basic …` value; callers add the result to their secrets. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
