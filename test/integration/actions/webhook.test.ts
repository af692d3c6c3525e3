import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { webhookHandler, validateOrThrow, verifyWebhook, type WebhookInputs } from "../../../components/workflow/actions";
import { RemoteError } from "../../../components/errors";
import { captureContext, startWebhookReceiver, type WebhookReceiver } from "../../support/receivers";

const SECRET = "whsec_SeCrEt_0123456789";

describe("webhook action against a signature-checking receiver", () => {
  let hook: WebhookReceiver;
  before(async () => {
    hook = await startWebhookReceiver({ secret: SECRET });
  });
  after(() => hook.close());

  const object = { apiVersion: "marketplace.plinth.dev/v1", kind: "Postgres", metadata: { name: "team-a", namespace: "default" }, spec: { size: "10Gi" } };
  const inputs = (over: Record<string, unknown> = {}): WebhookInputs =>
    validateOrThrow(webhookHandler, { url: `${hook.url}/hook`, secret: SECRET, object, headers: { "X-Team": "a" }, ...over });

  test("create, update on change, delete each deliver one signed event", async () => {
    const { ctx, logs } = captureContext();
    const start = hook.calls.length;
    const i1 = inputs();
    const s1 = await webhookHandler.create(i1, ctx);
    assert.equal(hook.calls.length - start, 1);
    const c = hook.calls.at(-1)!;
    assert.equal(c.status, 202);
    assert.ok(verifyWebhook(c.raw, String(c.headers["x-plinth-signature"]), SECRET));
    assert.match(String(c.headers["x-plinth-signature"]), /^sha256=[0-9a-f]{64}$/);
    assert.equal(c.headers["x-team"], "a");
    assert.equal(c.headers["x-plinth-event"], "create");
    assert.deepEqual(c.body.object, object);
    assert.equal(c.body.event, "create");
    assert.equal(s1.lastEvent, "create");

    assert.equal(webhookHandler.diff!(i1, inputs()).changes, false);
    assert.deepEqual(await webhookHandler.update(s1, i1, inputs({ secret: SECRET }), ctx), s1);
    assert.equal(hook.calls.length - start, 1);

    const i2 = inputs({ object: { ...object, spec: { size: "20Gi" } } });
    const s2 = await webhookHandler.update(s1, i1, i2, ctx);
    assert.equal(hook.calls.length - start, 2);
    assert.deepEqual(hook.events.at(-1).previous, object);
    assert.equal(hook.events.at(-1).object.spec.size, "20Gi");
    assert.equal(s2.lastEvent, "update");

    await webhookHandler.delete(s2, i2, ctx);
    assert.equal(hook.calls.length - start, 3);
    assert.equal(hook.events.at(-1).event, "delete");
    for (const text of [JSON.stringify(s1), JSON.stringify(s2), ...logs]) assert.ok(!text.includes(SECRET));
  });

  test("a wrong secret is refused by the receiver: WebhookError without the secret", async () => {
    const { ctx } = captureContext();
    const wrong = SECRET + "-old";
    await assert.rejects(webhookHandler.create(inputs({ secret: wrong }), ctx), (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.code, "WebhookError");
      assert.match(err.message, /HTTP 401/);
      assert.ok(!JSON.stringify(err).includes(SECRET) && !err.message.includes(SECRET));
      return true;
    });
  });

  test("a token in the URL query is kept out of errors", async () => {
    const { ctx } = captureContext();
    await assert.rejects(webhookHandler.create(inputs({ url: `${hook.url}/nope?token=QuErYsEcReT` }), ctx), (err: RemoteError) => {
      assert.match(err.message, /HTTP 404/);
      assert.ok(!JSON.stringify(err).includes("QuErYsEcReT") && !err.message.includes("QuErYsEcReT"));
      return true;
    });
  });

  test("missing secret and object fail validate naming the fields", () => {
    const r = webhookHandler.validate({ url: `${hook.url}/hook`, headers: { Authorization: "x" } });
    assert.ok("issues" in r);
    assert.deepEqual(r.issues.map((i) => i.path.join(".")).sort(), ["headers", "object", "secret"]);
  });
});
