import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, callApi, parseRetryAfter, type ApiClientOptions } from "../../../components/workflow/actions";
import { RemoteError } from "../../../components/errors";

const SECRET = "tok_SeCrEt_42";
const opts: ApiClientOptions = { api: "Example", code: "ExampleApiError", secrets: [SECRET], retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 } };

/** A fetch that answers from a script of responses (or throws) and records what it was asked. */
function scriptedFetch(script: (Response | Error | ((init: RequestInit) => Promise<Response>))[]) {
  const seen: { url: string; init: RequestInit }[] = [];
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    seen.push({ url: String(url), init: init! });
    const next = script.shift();
    if (!next) throw new Error("script exhausted");
    if (next instanceof Error) throw next;
    if (typeof next === "function") return next(init!);
    return next;
  }) as typeof fetch;
  return { f, seen };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("parseRetryAfter", () => {
  test("seconds, HTTP dates, junk", () => {
    assert.equal(parseRetryAfter("3"), 3000);
    assert.equal(parseRetryAfter(" 0.25 "), 250);
    const now = Date.parse("2025-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Wed, 01 Jan 2025 00:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("Tue, 31 Dec 2024 23:00:00 GMT", now), 0);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});

describe("backoffDelay", () => {
  test("doubles per retry, is capped, and jitters within [cap/2, cap]", () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p, () => 1)), [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual([1, 2, 3].map((n) => backoffDelay(n, p, () => 0)), [50, 100, 200]);
  });
});

describe("callApi", () => {
  test("sends JSON with a content type and returns the parsed body", async () => {
    const { f, seen } = scriptedFetch([json(201, { id: 7 })]);
    const res = await callApi({ method: "POST", url: "http://x/things", headers: { Authorization: `Bearer ${SECRET}` }, body: { a: 1 } }, { fetch: f, log: () => {} }, opts);
    assert.deepEqual(res.body, { id: 7 });
    assert.equal(seen[0].init.body, '{"a":1}');
    assert.equal((seen[0].init.headers as Record<string, string>)["Content-Type"], "application/json");
  });

  test("retries 429 honouring Retry-After, 5xx and network errors with backoff, then succeeds", async () => {
    const sleeps: number[] = [];
    const logs: string[] = [];
    const { f, seen } = scriptedFetch([json(429, {}, { "retry-after": "2" }), json(502, {}), new TypeError("fetch failed"), json(200, { ok: true })]);
    const res = await callApi({ method: "GET", url: "http://x/y" }, { fetch: f, log: (m) => logs.push(m), sleep: async (ms) => void sleeps.push(ms) }, opts);
    assert.equal(res.status, 200);
    assert.equal(seen.length, 4);
    assert.equal(sleeps[0], 2000);
    assert.ok(sleeps[1] >= 100 && sleeps[1] <= 200);
    assert.ok(sleeps[2] >= 200 && sleeps[2] <= 400);
    assert.equal(logs.length, 3);
    assert.match(logs[2], /network error: fetch failed/);
  });

  test("4xx other than 429 fails at once with the API's error text, secrets redacted", async () => {
    const { f, seen } = scriptedFetch([json(403, { error: `token ${SECRET} lacks scope` })]);
    await assert.rejects(
      callApi({ method: "POST", url: `http://x/y?key=${SECRET}`, body: {} }, { fetch: f, log: () => {} }, { ...opts, errorText: (b) => (b as { error: string }).error }),
      (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.code, "ExampleApiError");
        assert.equal(err.status, 502);
        assert.equal(err.message, "Example API POST http://x/y failed with HTTP 403: token [REDACTED] lacks scope");
        assert.ok(!JSON.stringify(err.toJSON()).includes(SECRET));
        return true;
      },
    );
    assert.equal(seen.length, 1);
  });

  test("gives up after maxAttempts", async () => {
    const { f, seen } = scriptedFetch([json(500, {}), json(500, {}), json(500, {}), json(500, {}), json(200, {})]);
    await assert.rejects(callApi({ method: "GET", url: "http://x/y" }, { fetch: f, log: () => {}, sleep: async () => {} }, opts), /failed after 4 attempts: HTTP 500/);
    assert.equal(seen.length, 4);
  });

  test("a Retry-After longer than we wait fails at once", async () => {
    const { f } = scriptedFetch([json(429, {}, { "retry-after": "3600" })]);
    await assert.rejects(callApi({ method: "GET", url: "http://x/y" }, { fetch: f, log: () => {}, sleep: async () => {} }, opts), /retry after 3600 s/);
  });

  test("each attempt times out through its AbortSignal and is retried", async () => {
    const hang = (init: RequestInit) =>
      new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));
    const { f, seen } = scriptedFetch([hang, json(200, { fine: true })]);
    const res = await callApi({ method: "GET", url: "http://x/y" }, { fetch: f, log: () => {}, sleep: async () => {} }, { ...opts, retry: { ...opts.retry, timeoutMs: 50 } });
    assert.deepEqual(res.body, { fine: true });
    assert.equal(seen.length, 2); // the hanging attempt was aborted by its own timeout (it never resolves otherwise), then retried
  });

  test("the caller's signal cancels without further attempts", async () => {
    const ac = new AbortController();
    const hang = (init: RequestInit) => {
      setTimeout(() => ac.abort(), 10);
      return new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)));
    };
    const { f, seen } = scriptedFetch([hang, json(200, {})]);
    await assert.rejects(callApi({ method: "GET", url: "http://x/y" }, { fetch: f, log: () => {}, signal: ac.signal }, opts), /cancelled/);
    assert.equal(seen.length, 1);
  });
});
