import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { slackHandler, validateOrThrow, type SlackInputs } from "../../../components/workflow/actions";
import { RemoteError } from "../../../components/errors";
import { captureContext, startSlackReceiver, type SlackReceiver } from "../../support/receivers";

const TOKEN = "xoxb-1111-2222-SeCrEtSlAcKtOkEn";

describe("slack action against a checking receiver", () => {
  let slack: SlackReceiver;
  before(async () => {
    slack = await startSlackReceiver({ token: TOKEN });
  });
  after(() => slack.close());

  const inputs = (over: Partial<SlackInputs> = {}): SlackInputs =>
    validateOrThrow(slackHandler, { botToken: TOKEN, channel: "#platform", text: "Postgres team-a is ready", baseUrl: slack.url, ...over });

  test("create posts exactly one chat.postMessage with bearer auth; update posts only on change; delete posts a notice", async () => {
    const { ctx, logs } = captureContext();
    const start = slack.calls.length;
    const i1 = inputs({ blocks: [{ type: "section", text: { type: "mrkdwn", text: "*ready*" } }] });
    const state = await slackHandler.create(i1, ctx);
    assert.equal(slack.calls.length - start, 1);
    const call = slack.calls.at(-1)!;
    assert.equal(call.path, "/api/chat.postMessage");
    assert.equal(call.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(call.body, { channel: "#platform", text: i1.text, blocks: i1.blocks });
    assert.deepEqual(state, { channel: "C0PLATFRM2", ts: call.response.ts, lastTs: call.response.ts });

    // Same inputs: no change, and no call.
    assert.equal(slackHandler.diff!(i1, inputs({ blocks: i1.blocks })).changes, false);
    // Only the token changed: a change for the provider, but no message.
    const rotated = inputs({ blocks: i1.blocks, botToken: TOKEN });
    const same = await slackHandler.update(state, i1, rotated, ctx);
    assert.deepEqual(same, state);
    assert.equal(slack.calls.length - start, 1);

    const i2 = inputs({ text: "Postgres team-a resized to 20Gi", blocks: i1.blocks });
    const d = slackHandler.diff!(i1, i2);
    assert.deepEqual(d, { changes: true });
    const s2 = await slackHandler.update(state, i1, i2, ctx);
    assert.equal(slack.calls.length - start, 2);
    const upd = slack.calls.at(-1)!;
    assert.equal(upd.body.thread_ts, state.ts);
    assert.equal(upd.body.channel, "C0PLATFRM2");
    assert.match(upd.body.text, /^Updated \(text\): Postgres team-a resized/);
    assert.deepEqual(upd.body.blocks, [{ type: "context", elements: [{ type: "mrkdwn", text: "Updated (text)" }] }, ...i1.blocks!]);
    assert.equal(s2.ts, state.ts);
    assert.equal(s2.lastTs, upd.response.ts);

    await slackHandler.delete(s2, i2, ctx);
    assert.equal(slack.calls.length - start, 3);
    assert.equal(slack.calls.at(-1)!.body.thread_ts, state.ts);
    assert.match(slack.calls.at(-1)!.body.text, /^Deleted: /);
    assert.equal(slack.messages.filter((m) => m.thread_ts === state.ts).length, 2);
    for (const text of [JSON.stringify(state), JSON.stringify(s2), ...logs]) assert.ok(!text.includes(TOKEN), text);
  });

  test("a channel change replaces the step", () => {
    assert.deepEqual(slackHandler.diff!(inputs(), inputs({ channel: "#general" })), { changes: true, replaces: ["channel"] });
  });

  test("429 with Retry-After is waited out for real, then succeeds", async () => {
    const { ctx } = captureContext();
    delete (ctx as { sleep?: unknown }).sleep; // use the real timer
    slack.failNext(1, { status: 429, retryAfter: 1, body: { ok: false, error: "ratelimited" } });
    const start = slack.calls.length;
    const t0 = Date.now();
    const state = await slackHandler.create(inputs(), ctx);
    const took = Date.now() - t0;
    assert.equal(slack.calls.length - start, 2);
    assert.equal(slack.calls[start].status, 429);
    assert.ok(took >= 950 && took < 3000, `took ${took} ms`);
    assert.ok(state.ts);
  });

  test("ok:false answers are failures carrying Slack's error, with the token redacted", async () => {
    const { ctx, logs } = captureContext();
    await assert.rejects(slackHandler.create(inputs({ channel: "#nowhere" }), ctx), (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.code, "SlackApiError");
      assert.match(err.message, /channel_not_found/);
      return true;
    });
    const bad = inputs({ botToken: "xoxb-wrong-" + TOKEN });
    await assert.rejects(slackHandler.create(bad, ctx), (err: RemoteError) => {
      assert.match(err.message, /invalid_auth/);
      assert.ok(!JSON.stringify(err).includes(TOKEN) && !err.message.includes(TOKEN) && !String(err.stack).includes(TOKEN));
      return true;
    });
    for (const l of logs) assert.ok(!l.includes(TOKEN));
  });

  test("missing token or channel fails validate naming the field, before any call", () => {
    const start = slack.calls.length;
    const r = slackHandler.validate({ text: "hi", baseUrl: slack.url });
    assert.ok("issues" in r);
    assert.deepEqual(r.issues.map((i) => i.path.join(".")).sort(), ["botToken", "channel"]);
    assert.match(r.issues.find((i) => i.path[0] === "botToken")!.message, /^required: .*bot token/);
    assert.equal(slack.calls.length, start);
  });
});
