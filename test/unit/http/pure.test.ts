import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { IncomingMessage } from "node:http";
import { BadRequestError, NotFoundError } from "../../../components/errors";
import { bearerToken, bodyFormat, errorAnswer, formatEvent, Metrics, outcomeOf, parseDocuments, readBody } from "../../../service/http";
import { matchRoute } from "../../../service/http/router";
import { reconcileWithPath } from "../../../service/http/routes/path-object";
import { TEAM_NAMESPACE } from "../../integration/http/in-memory-platform-service";

const cond = (type: string, status: "True" | "False") => ({ type, status, reason: "r", message: "", lastTransitionTime: "" });

describe("http building blocks", () => {
  test("bearer tokens", () => {
    assert.equal(bearerToken("Bearer abc.def"), "abc.def");
    assert.equal(bearerToken("bearer  abc"), "abc");
    assert.equal(bearerToken("Basic abc"), undefined);
    assert.equal(bearerToken("Bearer a b"), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  test("content types", () => {
    assert.equal(bodyFormat("application/json; charset=utf-8"), "json");
    assert.equal(bodyFormat("application/merge-patch+json"), "json");
    for (const t of ["application/yaml", "application/x-yaml", "TEXT/YAML"]) assert.equal(bodyFormat(t), "yaml");
    assert.throws(() => bodyFormat("text/plain"), (e: { status: number }) => e.status === 415);
    assert.throws(() => bodyFormat(undefined), /\(none\)/);
  });

  test("documents: lists expand, empty YAML docs are skipped, scalars rejected", () => {
    assert.deepEqual(parseDocuments('{"kind":"List","items":[{"a":1},{"b":2}]}', "json"), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(parseDocuments("---\na: 1\n---\n---\nb: 2\n", "yaml"), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(parseDocuments('{"kind":"Thing","items":[1]}', "json"), [{ kind: "Thing", items: [1] }], "a kind with items is an object, not a list");
    assert.throws(() => parseDocuments("- 1\n- 2\n", "yaml"), BadRequestError);
    assert.throws(() => parseDocuments("", "yaml"), /no request object/);
  });

  test("readBody stops at the limit without collecting more", async () => {
    const stream = new PassThrough();
    const req = Object.assign(stream, { headers: {} }) as unknown as IncomingMessage;
    const p = readBody(req, 10);
    stream.write(Buffer.alloc(6));
    stream.write(Buffer.alloc(6));
    await assert.rejects(p, (e: { status: number; code: string }) => e.status === 413 && e.code === "PayloadTooLarge");
    assert.equal(stream.listenerCount("data"), 0, "no longer reading");
    const declared = Object.assign(new PassThrough(), { headers: { "content-length": "11" } }) as unknown as IncomingMessage;
    await assert.rejects(readBody(declared, 10), /10-byte limit/);
    const ok = Object.assign(new PassThrough(), { headers: {} }) as unknown as IncomingMessage & PassThrough;
    const okp = readBody(ok, 10);
    ok.end("hello");
    assert.equal((await okp).toString(), "hello");
  });

  test("router matches templates and decodes params", () => {
    const routes = [{ template: "/v1/requests/{ns}/{name}", methods: { GET: 1 } }];
    assert.deepEqual(matchRoute(routes, "/v1/requests/a%2Fb/c/")?.params, { ns: "a/b", name: "c" });
    assert.equal(matchRoute(routes, "/v1/requests/a"), undefined);
    assert.throws(() => matchRoute(routes, "/v1/requests/%E0%A4%A/x"), /percent-encoding/);
  });

  test("PUT body vs path: kind by plural, fills missing fields, names mismatches", () => {
    const key = { namespace: "ns", kind: "teamnamespaces", name: "n" };
    assert.deepEqual(reconcileWithPath({ spec: {} }, key, [TEAM_NAMESPACE]), {
      spec: {},
      apiVersion: "platform.plinth.dev/v1",
      kind: "TeamNamespace",
      metadata: { namespace: "ns", name: "n" },
    });
    assert.equal((reconcileWithPath({ kind: "TeamNamespace", spec: {} }, key, [TEAM_NAMESPACE]) as { kind: string }).kind, "TeamNamespace");
    assert.throws(
      () => reconcileWithPath({ kind: "Other", metadata: { name: "m" } }, key, [TEAM_NAMESPACE]),
      (e: { code: string; details: { issues: { path: string[] }[] } }) =>
        e.code === "PathMismatch" && e.details.issues.map((i) => i.path.join(".")).join() === "metadata.name,kind",
    );
  });

  test("readiness: Stalled wins, older generations are not terminal", () => {
    assert.equal(outcomeOf({ conditions: [cond("Ready", "True")] }), "ready");
    assert.equal(outcomeOf({ conditions: [cond("Ready", "False"), cond("Stalled", "True")] }), "stalled");
    assert.equal(outcomeOf({ conditions: [cond("Ready", "False")] }), undefined);
    assert.equal(outcomeOf({ conditions: [cond("Ready", "True")], observedGeneration: 1 }, 2), undefined);
  });

  test("SSE frames and error answers", () => {
    assert.equal(formatEvent({ type: "queued", time: "t", message: "m" }, 3), 'id: 3\nevent: queued\ndata: {"type":"queued","time":"t","message":"m"}\n\n');
    assert.deepEqual(errorAnswer(new NotFoundError("gone", { k: 1 })), { status: 404, body: { code: "NotFound", message: "gone", details: { k: 1 } } });
    assert.deepEqual(errorAnswer(new Error("secret")), { status: 500, body: { code: "InternalError", message: "internal error; see the service log", details: null } });
  });

  test("metrics render in Prometheus text format with escaped labels", async () => {
    const m = new Metrics();
    m.observeHttp({ method: "GET", route: 'a"b\\c', code: "200" }, 0.02);
    m.observeHttp({ method: "GET", route: 'a"b\\c', code: "200" }, 3);
    m.queueDepth.set(3);
    m.observeReconcile(0.2);
    m.observeReconcile(700);
    m.observeReconcile(1.5, false);
    const text = await m.render();
    assert.match(text, /^# TYPE plinth_http_requests_total counter$/m);
    assert.match(text, /^plinth_http_requests_total\{method="GET",route="a\\"b\\\\c",code="200"\} 2$/m);
    assert.match(text, /^plinth_queue_depth 3$/m);
    assert.match(text, /^# TYPE plinth_http_request_duration_seconds histogram$/m);
    assert.match(text, /^plinth_http_request_duration_seconds_bucket\{le="0.025",method="GET",route="a\\"b\\\\c",code="200"\} 1$/m);
    assert.match(text, /^plinth_http_request_duration_seconds_count\{method="GET",route="a\\"b\\\\c",code="200"\} 2$/m);
    assert.match(text, /^plinth_reconcile_duration_seconds_bucket\{le="0.5",outcome="ok"\} 1$/m);
    assert.match(text, /^plinth_reconcile_duration_seconds_bucket\{le="600",outcome="ok"\} 1$/m);
    assert.match(text, /^plinth_reconcile_duration_seconds_bucket\{le="\+Inf",outcome="ok"\} 2$/m);
    assert.match(text, /^plinth_reconcile_duration_seconds_sum\{outcome="ok"\} 700.2$/m);
    assert.match(text, /^plinth_reconcile_duration_seconds_bucket\{le="2",outcome="error"\} 1$/m);
    assert.match(text, /^plinth_drift_repairs_total 0$/m);
    // Process and Node.js metrics, event-loop lag included.
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds [\d.e+-]+$/m);
    assert.throws(() => m.httpRequests.inc({ bogus: "x" } as never), /bogus/);
    assert.throws(() => m.observeReconcile(-1));
  });
});
