import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { actionResourceHandler, sealInputs, unsealInputs } from "../../../service/provider/action";
import { PlinthError, RemoteError } from "../../../components/errors";
import type { ActionHandler } from "../../../components/workflow/actions";
import { parseWith, requiredString, changedFields, jsonEqual } from "../../../components/workflow/actions/validate";
import { checkInstallation, planInstallation, definePromise } from "../../../components/promise";
import { actionStep } from "../../../components/workflow";

const TOKEN = "tok-provider-SECRET-42";
const SIG = "4dabf18193072939515e22adb298388d";

/** An in-memory handler recording calls; `fail` makes the next call throw a remote error quoting the token. */
function recorder() {
  const calls: string[] = [];
  let fail: string | undefined;
  const schema = z.object({ token: requiredString("the token"), text: requiredString("the text"), room: z.string().default("main") });
  const handler: ActionHandler<z.output<typeof schema>, { id: string; n: number }> = {
    kind: "memo",
    validate: (i) => parseWith(schema, i),
    async create(i) {
      if (fail) throw new RemoteError(`${fail} (sent ${i.token})`, undefined, "MemoApiError");
      calls.push(`create ${i.text} ${i.room}`);
      return { id: "m1", n: 1 };
    },
    async update(old, oi, i) {
      calls.push(`update ${oi.text}->${i.text} token:${oi.token === i.token ? "same" : "rotated"}`);
      return { ...old, n: old.n + 1 };
    },
    async delete(state, i) {
      calls.push(`delete ${state.id} with ${i.token === TOKEN ? "the token" : "another token"}`);
    },
    diff: (a, b) => ({ changes: !jsonEqual(a, b), replaces: changedFields(a, b, ["room"]) }),
  };
  return { calls, handler, failNext: (m: string) => void (fail = m) };
}

describe("actionResourceHandler", () => {
  test("check names each bad field under inputs, with the step; unknown kinds are refused", () => {
    const { handler } = recorder();
    const h = actionResourceHandler({ handlers: { memo: handler }, sealKey: "k" });
    assert.deepEqual(h.check!({ kind: "memo", step: "configure/memo", inputs: { text: "" } }), [
      { path: "inputs.token", reason: "memo action (step configure/memo): required: the token" },
      { path: "inputs.text", reason: "memo action (step configure/memo): must not be empty: the text" },
    ]);
    assert.deepEqual(h.check!({ kind: "memo", inputs: { token: TOKEN, text: "x" } }), []);
    assert.match(h.check!({ kind: "nope", inputs: {} })[0].reason, /unknown action kind "nope"; use one of memo/);
    assert.deepEqual(h.check!({ kind: "memo", inputs: { token: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", text: "" } }), [], "values unknown during preview are checked later");
  });

  test("create keeps the inputs sealed and secret; diff, update and delete read them back", async () => {
    const { calls, handler } = recorder();
    const h = actionResourceHandler({ handlers: { memo: handler }, sealKey: "seal-1" });
    const news = { kind: "memo", step: "configure/memo", inputs: { token: TOKEN, text: "hello" } };
    const created = await h.create(news);
    assert.match(created.id, /^memo-/);
    assert.deepEqual(created.outs.state, { id: "m1", n: 1 });
    const sealed = created.outs.sealedInputs as Record<string, string>;
    assert.equal(sealed[SIG], "1b47061264138c4ac30d75fd1eb44270", "marked a Pulumi secret");
    assert.ok(!JSON.stringify(created.outs).includes(TOKEN) && !JSON.stringify(created.outs).includes("hello"), "nothing of the inputs in plaintext");
    // The engine hands the outputs back unwrapped.
    const olds = { ...created.outs, sealedInputs: sealed.value };

    assert.deepEqual(h.diff(olds, news), { changes: false, replaces: [] });
    assert.deepEqual(h.diff(olds, { ...news, inputs: { ...news.inputs, text: "bye" } }), { changes: true, replaces: [] });
    assert.deepEqual(h.diff(olds, { ...news, inputs: { ...news.inputs, room: "other" } }), { changes: true, replaces: ["inputs.room"] });
    assert.deepEqual(h.diff(olds, { ...news, kind: "other" }), { changes: true, replaces: ["kind"] });

    const read = await (h as { read?: (id: string, p: Record<string, unknown>) => Promise<{ props: Record<string, unknown> }> }).read!(created.id, olds);
    assert.deepEqual(read.props.sealedInputs, sealed, "a refresh keeps the sealed inputs a secret");
    assert.deepEqual((read.props as unknown as Record<string, unknown>)["state"], (olds as unknown as Record<string, unknown>)["state"]);

    const updated = await h.update(created.id, olds, { ...news, inputs: { token: "rotated", text: "bye" } });
    assert.deepEqual(updated.outs.state, { id: "m1", n: 2 });
    await h.delete(created.id, olds);
    assert.deepEqual(calls, ["create hello main", "update hello->bye token:rotated", "delete m1 with the token"]);
  });

  test("failures name the kind and step and never the credential; a wrong or missing key fails before any call", async () => {
    const r = recorder();
    const h = actionResourceHandler({ handlers: { memo: r.handler }, sealKey: "seal-1" });
    r.failNext("HTTP 400: room_archived");
    await assert.rejects(h.create({ kind: "memo", step: "configure/memo", inputs: { token: TOKEN, text: "x" } }), (e: unknown) => {
      assert.ok(e instanceof PlinthError);
      assert.equal(e.code, "MemoApiError");
      assert.equal(e.message, "memo action (step configure/memo) failed to create: HTTP 400: room_archived (sent [REDACTED])");
      return true;
    });

    const sealed = sealInputs("seal-1", "memo", { token: TOKEN, text: "x" });
    assert.deepEqual(unsealInputs("seal-1", "memo", sealed), { token: TOKEN, text: "x" });
    assert.throws(() => unsealInputs("seal-1", "slack", sealed), "the kind is bound to the seal");
    const other = actionResourceHandler({ handlers: { memo: r.handler }, sealKey: "seal-2" });
    await assert.rejects(other.delete("memo-1", { kind: "memo", step: "configure/memo", sealedInputs: sealed, state: { id: "m1" } }), (e: unknown) => e instanceof PlinthError && e.code === "ActionUnsealFailed" && /seal key/.test(e.message));

    const saved = [process.env.PLINTH_ACTIONS_KEY, process.env.PULUMI_CONFIG_PASSPHRASE];
    delete process.env.PLINTH_ACTIONS_KEY;
    delete process.env.PULUMI_CONFIG_PASSPHRASE;
    try {
      const before = r.calls.length;
      await assert.rejects(actionResourceHandler({ handlers: { memo: r.handler } }).create({ kind: "memo", inputs: { token: TOKEN, text: "x" } }), (e: unknown) => e instanceof PlinthError && e.code === "ActionSealKeyMissing");
      assert.equal(r.calls.length, before);
    } finally {
      if (saved[0] !== undefined) process.env.PLINTH_ACTIONS_KEY = saved[0];
      if (saved[1] !== undefined) process.env.PULUMI_CONFIG_PASSPHRASE = saved[1];
    }
  });
});

describe("promise workflows", () => {
  test("a PromiseInstallation plans one Action per action its promise configure workflow declares", async () => {
    const promise = definePromise({
      name: "announced",
      version: "1.0.0",
      api: { group: "test.plinth.dev", version: "v1", kind: "Thing", spec: z.object({}) },
      config: z.object({ hook: z.string().default("http://127.0.0.1:9/hook") }),
      workflows: {
        promise: {
          configure: [{ name: "install", steps: [actionStep("webhook", "announce", ({ object, config }) => ({ url: (config as { hook: string }).hook, secret: "s3cret", object: { promise: object.metadata.name } }))] }],
        },
      },
    });
    const args = { promise, destinations: [{ name: "dev", labels: { env: "dev" }, stateStore: "test" }], store: "test" };
    const plan = await planInstallation("announced", args, checkInstallation(args).config);
    assert.deepEqual(plan.actions.map((a) => [a.resourceName, a.kind, a.step]), [["announced-install-announce", "webhook", "install/announce"]]);
    assert.deepEqual(plan.actions[0].inputs, { url: "http://127.0.0.1:9/hook", secret: "s3cret", object: { promise: "announced" } });
  });
});
