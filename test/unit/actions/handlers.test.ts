import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  actionHandlers,
  escalationPolicyBody,
  pagerDutyHandler,
  parseGoDuration,
  scheduleBody,
  serviceBody,
  signWebhook,
  slackHandler,
  validateOrThrow,
  verifyWebhook,
  webhookBody,
  zendeskHandler,
} from "../../../components/workflow/actions";
import { ValidationError } from "../../../components/errors";

describe("registry", () => {
  test("holds the four kinds under their names", () => {
    assert.deepEqual(Object.keys(actionHandlers).sort(), ["pagerduty", "slack", "webhook", "zendesk"]);
    for (const [k, h] of Object.entries(actionHandlers)) assert.equal(h.kind, k);
  });
});

describe("validate", () => {
  test("slack applies the default base URL and strips a trailing slash", () => {
    const r = slackHandler.validate({ botToken: "t", channel: "#c", text: "x" });
    assert.ok("inputs" in r && r.inputs.baseUrl === "https://slack.com");
    const r2 = slackHandler.validate({ botToken: "t", channel: "#c", text: "x", baseUrl: "http://127.0.0.1:9/" });
    assert.ok("inputs" in r2 && r2.inputs.baseUrl === "http://127.0.0.1:9");
  });

  test("validateOrThrow raises a ValidationError listing every field, never the secret", () => {
    assert.throws(
      () => validateOrThrow(slackHandler, { botToken: "xoxb-SECRET", text: "" }),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.code, "ActionInputInvalid");
        assert.equal(err.status, 422);
        assert.deepEqual(err.issues.map((i) => i.path.join(".")), ["channel", "text"]);
        assert.match(err.message, /^invalid slack step: channel: required: .*; text: must not be empty/);
        assert.ok(!JSON.stringify(err).includes("SECRET"));
        return true;
      },
    );
  });

  test("base URLs must be http(s) without credentials", () => {
    const r = zendeskHandler.validate({ baseUrl: "https://u:p@acme.zendesk.com", email: "a@b.co", apiToken: "t", subject: "s", body: "b", requester: { name: "n", email: "n@b.co" } });
    assert.ok("issues" in r && r.issues[0].path[0] === "baseUrl");
    const r2 = slackHandler.validate({ botToken: "t", channel: "#c", text: "x", baseUrl: "ftp://slack.com" });
    assert.ok("issues" in r2 && r2.issues[0].path[0] === "baseUrl");
  });

  test("pagerduty checks the rotation and fills defaults", () => {
    const r = pagerDutyHandler.validate({ apiKey: "k", name: "svc", rotation: { start: "not a date", userIds: ["P1"], turnLengthSeconds: 60 } });
    assert.ok("issues" in r);
    assert.deepEqual(r.issues.map((i) => i.path.join(".")).sort(), ["rotation.start", "rotation.turnLengthSeconds"]);
    const ok = validateOrThrow(pagerDutyHandler, { apiKey: "k", name: "svc", rotation: { start: "2025-01-06T09:00:00Z", userIds: ["P1"] } });
    assert.equal(ok.baseUrl, "https://api.pagerduty.com");
    assert.equal(ok.timeZone, "UTC");
    assert.equal(ok.escalationDelayMinutes, 30);
  });
});

describe("pagerduty bodies", () => {
  const i = validateOrThrow(pagerDutyHandler, { apiKey: "k", name: "svc", description: "d", numLoops: 2, rotation: { start: "2025-01-06T09:00:00Z", userIds: ["P1"] } });
  test("follow REST API v2 and never carry the key", () => {
    assert.deepEqual(scheduleBody(i).schedule.schedule_layers[0], {
      name: "Primary",
      start: "2025-01-06T09:00:00Z",
      rotation_virtual_start: "2025-01-06T09:00:00Z",
      rotation_turn_length_seconds: 604800,
      users: [{ user: { id: "P1", type: "user_reference" } }],
    });
    assert.deepEqual(escalationPolicyBody(i, "PS").escalation_policy.escalation_rules, [{ escalation_delay_in_minutes: 30, targets: [{ id: "PS", type: "schedule_reference" }] }]);
    assert.equal(escalationPolicyBody(i, "PS").escalation_policy.num_loops, 2);
    assert.deepEqual(serviceBody(i, "PE"), { service: { type: "service", name: "svc", description: "d", escalation_policy: { id: "PE", type: "escalation_policy_reference" } } });
    for (const b of [scheduleBody(i), escalationPolicyBody(i, "PS"), serviceBody(i, "PE")]) assert.ok(!JSON.stringify(b).includes('"k"'));
  });
  test("diff: base URL change replaces, other changes update", () => {
    assert.deepEqual(pagerDutyHandler.diff!(i, { ...i, baseUrl: "https://api.eu.pagerduty.com" }), { changes: true, replaces: ["baseUrl"] });
    assert.deepEqual(pagerDutyHandler.diff!(i, { ...i, timeZone: "Europe/Berlin" }), { changes: true });
  });
});

describe("webhook signing", () => {
  test("signature is the hex HMAC-SHA256 of the exact body and verifies in constant time", () => {
    // Known answer: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog").
    assert.equal(signWebhook("The quick brown fox jumps over the lazy dog", "key"), "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    const body = webhookBody("create", { url: "http://h", secret: "s", object: { a: 1 } }, 1700000000);
    assert.deepEqual(JSON.parse(body), { event: "create", timestamp: 1700000000, object: { a: 1 } });
    assert.ok(verifyWebhook(body, signWebhook(body, "s"), "s"));
    assert.ok(!verifyWebhook(body + " ", signWebhook(body, "s"), "s"));
    assert.ok(!verifyWebhook(body, undefined, "s"));
  });
});

describe("parseGoDuration", () => {
  test("Go duration strings", () => {
    assert.equal(parseGoDuration("5m"), 300_000);
    assert.equal(parseGoDuration("1h30m"), 5_400_000);
    assert.equal(parseGoDuration("1.5s"), 1500);
    assert.equal(parseGoDuration("250ms"), 250);
    assert.equal(parseGoDuration("0"), 0);
    for (const bad of ["", "5", "m", "5 m", "5d", "1h30"]) assert.equal(parseGoDuration(bad), undefined, bad);
  });
});
