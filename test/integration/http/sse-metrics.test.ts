import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startHarness, teamNamespace, type Harness } from "./harness";

/** Reads SSE frames from a fetch response until the server ends the stream or `stop` says so. */
async function readFrames(res: Response, stop?: (frames: { event: string; data: any }[]) => boolean) {
  const frames: { event: string; data: any }[] = [];
  const comments: string[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6);
      if (event && data) frames.push({ event, data: JSON.parse(data) });
      comments.push(...lines.filter((l) => l.startsWith(":")));
    }
    if (stop?.(frames)) break;
  }
  return { frames, comments };
}

const until = (ms: number, cond: () => boolean) =>
  new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error("timed out")) : setTimeout(tick, 5));
    tick();
  });

describe("SSE events and metrics over a real socket", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ heartbeatMs: 40 });
    await h.call("POST", "/v1/requests", { body: JSON.stringify(teamNamespace("sse")), contentType: "application/json" });
  });
  after(() => h.close());
  const key = { namespace: "default", kind: "TeamNamespace", name: "sse" };

  test("events arrive in order and until=ready ends the stream after Ready=True; heartbeats are comments", async () => {
    const res = await fetch(h.server.url + "/v1/requests/default/TeamNamespace/sse/events?until=ready", { headers: { Authorization: "Bearer token-admin" } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    await until(1000, () => h.service.listenerCount(key) === 1);
    await new Promise((r) => setTimeout(r, 100)); // let a couple of heartbeats through
    h.service.reconcile(key, "ready");
    h.service.emit(key, { type: "engine", time: new Date().toISOString(), message: "after ready: must not arrive" });
    const { frames, comments } = await readFrames(res); // ends only because the server closed the stream
    assert.deepEqual(frames.map((f) => f.event), ["workflow", "status", "engine", "status"]);
    assert.equal(frames[3].data.data.conditions[0].status, "True");
    assert.ok(comments.includes(": heartbeat"), "heartbeat comments seen");
    await until(1000, () => h.service.listenerCount(key) === 0);
  });

  test("until=ready also ends on Stalled=True; minGeneration skips a status for an older generation", async () => {
    const res = await fetch(h.server.url + "/v1/requests/default/TeamNamespace/sse/events?until=ready&minGeneration=5", {
      headers: { Authorization: "Bearer token-admin" },
    });
    await until(1000, () => h.service.listenerCount(key) === 1);
    const status = (type: string, g: number) => ({
      type: "status" as const,
      time: "t",
      message: `${type}@${g}`,
      data: { observedGeneration: g, conditions: [{ type, status: "True", reason: "r", message: "", lastTransitionTime: "t" }] },
    });
    h.service.emit(key, status("Ready", 4));
    h.service.emit(key, status("Stalled", 5));
    const { frames } = await readFrames(res);
    assert.deepEqual(frames.map((f) => f.data.message), ["Ready@4", "Stalled@5"]);
  });

  test("client disconnect unsubscribes; a deleted event ends the stream", async () => {
    const ac = new AbortController();
    const res = await fetch(h.server.url + "/v1/requests/default/TeamNamespace/sse/events", { headers: { Authorization: "Bearer token-admin" }, signal: ac.signal });
    await until(1000, () => h.service.listenerCount(key) === 1);
    ac.abort();
    await res.body?.cancel().catch(() => undefined);
    await until(1000, () => h.service.listenerCount(key) === 0);

    const res2 = await fetch(h.server.url + "/v1/requests/default/TeamNamespace/sse/events", { headers: { Authorization: "Bearer token-admin" } });
    await until(1000, () => h.service.listenerCount(key) === 1);
    h.service.emit(key, { type: "deleted", time: "t", message: "gone" });
    const { frames } = await readFrames(res2);
    assert.deepEqual(frames.map((f) => f.event), ["deleted"]);
  });

  test("watching an unknown request is a JSON 404, not a stream; bad until is 400", async () => {
    const r = await h.call("GET", "/v1/requests/default/TeamNamespace/nobody/events");
    assert.equal(r.status, 404);
    assert.equal(r.json.code, "RequestNotFound");
    assert.equal((await h.call("GET", "/v1/requests/default/TeamNamespace/sse/events?until=never")).status, 400);
  });

  test("/metrics counts requests by route and code and shows queue depth, reconcile histogram, drift repairs", async () => {
    h.service.depth = 7;
    await h.call("GET", "/v1/promises");
    await h.call("GET", "/v1/promises", { token: "bad" });
    await h.call("GET", "/v1/requests/default/TeamNamespace/nobody");
    h.server.metrics.observeReconcile(1.5);
    h.server.metrics.incDriftRepairs(2);
    const r = await h.call("GET", "/metrics", { token: null });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const line = (re: RegExp) => r.text.split("\n").find((l) => re.test(l));
    assert.ok(line(/^plinth_http_requests_total\{method="GET",route="\/v1\/promises",code="200"\} [1-9]\d*$/));
    assert.ok(line(/^plinth_http_requests_total\{method="GET",route="\/v1\/promises",code="401"\} 1$/));
    assert.ok(line(/^plinth_http_requests_total\{method="GET",route="\/v1\/requests\/\{namespace\}\/\{kind\}\/\{name\}",code="404"\} 1$/));
    assert.ok(line(/^plinth_queue_depth 7$/));
    assert.ok(line(/^plinth_reconcile_duration_seconds_bucket\{le="2",outcome="ok"\} 1$/));
    assert.ok(line(/^plinth_reconcile_duration_seconds_bucket\{le="1",outcome="ok"\} 0$/));
    assert.ok(line(/^plinth_reconcile_duration_seconds_count\{outcome="ok"\} 1$/));
    assert.ok(line(/^plinth_drift_repairs_total 2$/));
    // Durations by route: the 200s on /v1/promises were answered, each within +Inf.
    const served = line(/^plinth_http_request_duration_seconds_count\{method="GET",route="\/v1\/promises",code="200"\} \d+$/);
    assert.ok(served && Number(served.split(" ")[1]) >= 1, r.text);
    assert.ok(line(/^plinth_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/promises",code="401"\} 1$/));
    // Process and event-loop metrics from prom-client's defaults.
    assert.ok(line(/^process_cpu_seconds_total [\d.]+$/));
    assert.ok(line(/^nodejs_eventloop_lag_seconds [\d.e+-]+$/));
  });
});
