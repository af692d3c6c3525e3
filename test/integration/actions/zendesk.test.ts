import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { zendeskHandler, validateOrThrow, type ZendeskInputs } from "../../../components/workflow/actions";
import { RemoteError } from "../../../components/errors";
import { captureContext, startZendeskReceiver, type ZendeskReceiver } from "../../support/receivers";

const TOKEN = "ZdSeCrEtApiToken0123456789";
const EMAIL = "platform-bot@example.com";
const basic = Buffer.from(`${EMAIL}/token:${TOKEN}`).toString("base64");

describe("zendesk action against a checking receiver", () => {
  let zd: ZendeskReceiver;
  before(async () => {
    zd = await startZendeskReceiver({ email: EMAIL, apiToken: TOKEN });
  });
  after(() => zd.close());

  const inputs = (over: Record<string, unknown> = {}): ZendeskInputs =>
    validateOrThrow(zendeskHandler, {
      baseUrl: zd.url + "/",
      email: EMAIL,
      apiToken: TOKEN,
      subject: "New database for team-a",
      body: "A PostgreSQL instance was requested by team-a.",
      requester: { name: "Ada Team-A", email: "ada@example.com" },
      tags: ["plinth", "postgresql"],
      ...over,
    });

  test("create opens one ticket; update comments privately only on change; delete solves it", async () => {
    const { ctx, logs } = captureContext();
    const start = zd.calls.length;
    const i1 = inputs();
    const state = await zendeskHandler.create(i1, ctx);
    assert.equal(zd.calls.length - start, 1);
    const c = zd.calls.at(-1)!;
    assert.equal(c.method, "POST");
    assert.equal(c.path, "/api/v2/tickets.json");
    assert.equal(c.headers.authorization, `Basic ${basic}`);
    assert.deepEqual(c.body, { ticket: { subject: i1.subject, comment: { body: i1.body }, requester: i1.requester, tags: i1.tags } });
    assert.equal(c.status, 201);
    assert.equal(state.ticketId, c.response.ticket.id);
    assert.equal(zd.tickets.get(state.ticketId)!.status, "new");

    assert.equal(zendeskHandler.diff!(i1, inputs()).changes, false);
    assert.deepEqual(await zendeskHandler.update(state, i1, inputs({ updateBody: "x" }), ctx), state);
    assert.equal(zd.calls.length - start, 1, "a change of the notice text alone calls nothing");

    const i2 = inputs({ body: "Resized to 20Gi.", tags: ["plinth"] });
    assert.deepEqual(zendeskHandler.diff!(i1, i2), { changes: true });
    await zendeskHandler.update(state, i1, i2, ctx);
    assert.equal(zd.calls.length - start, 2);
    const u = zd.calls.at(-1)!;
    assert.equal(u.method, "PUT");
    assert.equal(u.path, `/api/v2/tickets/${state.ticketId}.json`);
    assert.equal(u.body.ticket.comment.public, false);
    assert.match(u.body.ticket.comment.body, /body, tags changed/);
    assert.deepEqual(u.body.ticket.tags, ["plinth"]);
    assert.deepEqual(zd.tickets.get(state.ticketId)!.tags, ["plinth"]);

    await zendeskHandler.delete(state, i2, ctx);
    assert.equal(zd.calls.length - start, 3);
    const d = zd.calls.at(-1)!;
    assert.equal(d.method, "PUT");
    assert.equal(d.body.ticket.status, "solved");
    assert.ok(d.body.ticket.comment.body.length > 0);
    assert.equal(zd.tickets.get(state.ticketId)!.status, "solved");
    for (const text of [JSON.stringify(state), ...logs]) assert.ok(!text.includes(TOKEN) && !text.includes(basic));
  });

  test("a requester change replaces the ticket", () => {
    assert.deepEqual(zendeskHandler.diff!(inputs(), inputs({ requester: { name: "Bo", email: "bo@example.com" } })), { changes: true, replaces: ["requester"] });
  });

  test("429 with an HTTP-date Retry-After is honoured; a dropped connection is retried", async () => {
    const { ctx, sleeps } = captureContext();
    zd.failNext(1, { status: 429, retryAfter: new Date(Date.now() + 3000).toUTCString() });
    zd.failNext(1, { drop: true });
    const start = zd.calls.length;
    const state = await zendeskHandler.create(inputs(), ctx);
    assert.deepEqual(zd.calls.slice(start).map((c) => c.status), [429, 0, 201]);
    assert.ok(sleeps[0] > 1000 && sleeps[0] <= 3000, `waited ${sleeps[0]}`);
    assert.ok(zd.tickets.has(state.ticketId));
  });

  test("wrong token: ZendeskApiError with Zendesk's text and no secret anywhere", async () => {
    const { ctx, logs } = captureContext();
    await assert.rejects(zendeskHandler.create(inputs({ apiToken: TOKEN + "x" }), ctx), (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.code, "ZendeskApiError");
      assert.match(err.message, /HTTP 401: Couldn't authenticate you/);
      const all = JSON.stringify(err) + err.message + String(err.stack);
      assert.ok(!all.includes(TOKEN) && !all.includes("Basic "));
      return true;
    });
    assert.ok(!logs.join("\n").includes(TOKEN));
  });

  test("500s until the attempts run out fail with the attempt count", async () => {
    const { ctx, sleeps } = captureContext();
    zd.failNext(5, { status: 503 });
    const start = zd.calls.length;
    await assert.rejects(zendeskHandler.create(inputs(), ctx), /failed after 5 attempts: HTTP 503/);
    assert.equal(zd.calls.length - start, 5);
    assert.equal(sleeps.length, 4);
    sleeps.forEach((ms, k) => assert.ok(ms >= 125 * 2 ** k && ms <= 250 * 2 ** k, `retry ${k + 1} waited ${ms}`));
  });

  test("missing token, email and requester fail validate naming each field, before any call", () => {
    const start = zd.calls.length;
    const r = zendeskHandler.validate({ baseUrl: zd.url, subject: "s", body: "b" });
    assert.ok("issues" in r);
    assert.deepEqual(r.issues.map((i) => i.path.join(".")).sort(), ["apiToken", "email", "requester"]);
    const r2 = zendeskHandler.validate({ email: EMAIL, apiToken: TOKEN, subject: "s", body: "b", requester: { name: "a", email: "a@example.com" } });
    assert.ok("issues" in r2 && r2.issues[0].path[0] === "baseUrl" && /zendesk\.com/.test(r2.issues[0].message));
    assert.ok(!JSON.stringify(r2).includes(TOKEN));
    assert.equal(zd.calls.length, start);
  });
});
