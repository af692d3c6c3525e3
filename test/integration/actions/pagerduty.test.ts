import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { pagerDutyHandler, validateOrThrow, type PagerDutyInputs } from "../../../components/workflow/actions";
import { RemoteError } from "../../../components/errors";
import { captureContext, startPagerDutyReceiver, type PagerDutyReceiver } from "../../support/receivers";

const KEY = "u+SeCrEtPdKeY_abcdefgh";

describe("pagerduty action against a checking receiver", () => {
  let pd: PagerDutyReceiver;
  before(async () => {
    pd = await startPagerDutyReceiver({ apiKey: KEY, requireFrom: true });
  });
  after(() => pd.close());

  let n = 0;
  const inputs = (over: Record<string, unknown> = {}): PagerDutyInputs =>
    validateOrThrow(pagerDutyHandler, {
      apiKey: KEY,
      fromEmail: "platform@example.com",
      baseUrl: pd.url,
      name: `team-a-postgres-${n}`,
      rotation: { start: "2025-01-06T09:00:00Z", userIds: ["PUSER01", "PUSER02"] },
      ...over,
    });

  test("create makes schedule, escalation policy and service, once each, with the documented shapes", async () => {
    n++;
    const { ctx, logs } = captureContext();
    const start = pd.calls.length;
    const state = await pagerDutyHandler.create(inputs(), ctx);
    const calls = pd.calls.slice(start);
    assert.deepEqual(calls.map((c) => `${c.method} ${c.path} ${c.status}`), ["POST /schedules 201", "POST /escalation_policies 201", "POST /services 201"]);
    for (const c of calls) {
      assert.equal(c.headers.authorization, `Token token=${KEY}`);
      assert.equal(c.headers.accept, "application/vnd.pagerduty+json;version=2");
      assert.equal(c.headers.from, "platform@example.com");
    }
    const layer = calls[0].body.schedule.schedule_layers[0];
    assert.deepEqual(layer.users, [{ user: { id: "PUSER01", type: "user_reference" } }, { user: { id: "PUSER02", type: "user_reference" } }]);
    assert.equal(layer.rotation_turn_length_seconds, 604800);
    assert.equal(calls[0].body.schedule.time_zone, "UTC");
    assert.deepEqual(calls[1].body.escalation_policy.escalation_rules[0].targets, [{ id: state.scheduleId, type: "schedule_reference" }]);
    assert.deepEqual(calls[2].body.service.escalation_policy, { id: state.escalationPolicyId, type: "escalation_policy_reference" });
    assert.ok(pd.services.has(state.serviceId) && pd.schedules.has(state.scheduleId) && pd.escalationPolicies.has(state.escalationPolicyId));
    assert.ok(!JSON.stringify(state).includes(KEY) && !logs.join("\n").includes(KEY));

    // Unchanged: nothing to do. Changed rotation only: one PUT of the schedule.
    assert.equal(pagerDutyHandler.diff!(inputs(), inputs()).changes, false);
    const i2 = inputs({ rotation: { start: "2025-01-06T09:00:00Z", userIds: ["PUSER02", "PUSER01"], turnLengthSeconds: 86400 } });
    assert.equal(pagerDutyHandler.diff!(inputs(), i2).changes, true);
    const mid = pd.calls.length;
    await pagerDutyHandler.update(state, inputs(), i2, ctx);
    assert.deepEqual(pd.calls.slice(mid).map((c) => `${c.method} ${c.path} ${c.status}`), [`PUT /schedules/${state.scheduleId} 200`]);
    assert.equal(pd.schedules.get(state.scheduleId).schedule_layers[0].rotation_turn_length_seconds, 86400);

    // Description change: one PUT of the service.
    const i3 = { ...i2, description: "Team A's database" };
    const mid2 = pd.calls.length;
    await pagerDutyHandler.update(state, i2, i3, ctx);
    assert.deepEqual(pd.calls.slice(mid2).map((c) => `${c.method} ${c.path}`), [`PUT /services/${state.serviceId}`]);

    // Delete: service, policy, schedule in that order (the receiver refuses deleting what is in use).
    const end = pd.calls.length;
    await pagerDutyHandler.delete(state, i3, ctx);
    assert.deepEqual(pd.calls.slice(end).map((c) => `${c.method} ${c.path} ${c.status}`), [
      `DELETE /services/${state.serviceId} 204`,
      `DELETE /escalation_policies/${state.escalationPolicyId} 204`,
      `DELETE /schedules/${state.scheduleId} 204`,
    ]);
    assert.equal(pd.services.size + pd.escalationPolicies.size + pd.schedules.size, 0);
  });

  test("429 then 500 are retried (honouring Retry-After), then the create completes", async () => {
    n++;
    const { ctx, sleeps, logs } = captureContext({ sleepScale: 0.01 });
    pd.failNext(1, { status: 429, retryAfter: 2, body: { error: { message: "Rate Limit Exceeded", code: 2020 } } });
    pd.failNext(1, { status: 500 });
    const start = pd.calls.length;
    const state = await pagerDutyHandler.create(inputs(), ctx);
    assert.deepEqual(pd.calls.slice(start).map((c) => c.status), [429, 500, 201, 201, 201]);
    assert.equal(sleeps[0], 2000);
    // second retry: backoff of base 250 ms × 2, with equal jitter → 250..500 ms
    assert.ok(sleeps[1] >= 250 && sleeps[1] <= 500, `backoff ${sleeps[1]}`);
    assert.equal(logs.filter((l) => /retry/.test(l)).length, 2);
    await pagerDutyHandler.delete(state, inputs(), ctx);
  });

  test("a failure half way rolls back what was made; the error names PagerDuty's message", async () => {
    n++;
    const { ctx } = captureContext();
    // Another service already has this name: the service POST is refused (400, not retried).
    const i = inputs();
    const first = await pagerDutyHandler.create(i, ctx);
    const before = { s: pd.schedules.size, e: pd.escalationPolicies.size };
    await assert.rejects(pagerDutyHandler.create(i, ctx), (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.code, "PagerDutyApiError");
      assert.match(err.message, /POST http:\/\/127\.0\.0\.1:\d+\/services failed with HTTP 400: Invalid Input Provided: Name has already been taken/);
      assert.ok(!err.message.includes(KEY) && !JSON.stringify(err).includes(KEY));
      return true;
    });
    assert.deepEqual({ s: pd.schedules.size, e: pd.escalationPolicies.size }, before);
    await pagerDutyHandler.delete(first, i, ctx);
  });

  test("delete of objects already gone succeeds", async () => {
    const { ctx } = captureContext();
    await pagerDutyHandler.delete({ scheduleId: "PGONE01", escalationPolicyId: "PGONE02", serviceId: "PGONE03" }, inputs(), ctx);
  });

  test("missing apiKey or users fails validate naming the field, before any call", () => {
    const start = pd.calls.length;
    const r = pagerDutyHandler.validate({ name: "x", baseUrl: pd.url, rotation: { start: "2025-01-06T09:00:00Z", userIds: [] } });
    assert.ok("issues" in r);
    assert.deepEqual(r.issues.map((i) => i.path.join(".")).sort(), ["apiKey", "rotation.userIds"]);
    const r2 = pagerDutyHandler.validate({ apiKey: KEY, name: "x" });
    assert.ok("issues" in r2 && r2.issues.some((i) => i.path.join(".") === "rotation" && /required/.test(i.message)));
    assert.ok(!JSON.stringify(r2).includes(KEY));
    assert.equal(pd.calls.length, start);
  });
});
