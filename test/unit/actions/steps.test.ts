import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import * as YAML from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { actionResources, actionStep, commandStep, registeredStepKinds, retryAfterOf, runPipelines, WorkflowStepError, type Pipeline, type WorkflowObject } from "../../../components/workflow";
import { secretCredentials } from "../../../components/workflow/actions";

const obj: WorkflowObject = { apiVersion: "plinth.dev/v1alpha1", kind: "App", metadata: { name: "shop", namespace: "team-a" }, spec: { image: "shop:1" } };
const TOKEN = "xoxb-unit-SECRET-123";

describe("action and command step kinds", () => {
  const realFetch = globalThis.fetch;
  let fetchCalls = 0;
  before(() => {
    globalThis.fetch = (async () => {
      fetchCalls++;
      throw new Error("no call is allowed while a workflow runs");
    }) as typeof fetch;
  });
  after(() => {
    globalThis.fetch = realFetch;
  });

  test("are registered on import of components/workflow", () => {
    for (const k of ["command", "pagerduty", "slack", "webhook", "zendesk"]) assert.ok(registeredStepKinds().includes(k), k);
  });

  test("an action step declares its action from the object and config and calls nothing", async () => {
    const p: Pipeline = {
      name: "configure",
      steps: [
        { name: "app", render: () => ({ files: { "a.yaml": { kind: "ConfigMap" } } }) },
        actionStep<WorkflowObject, { token?: string }>("slack", "notify", ({ object, config }) =>
          config.token ? { botToken: config.token, channel: "#platform", text: `deployed ${object.metadata.name} (${(object.spec as { image: string }).image})` } : undefined,
        ),
      ],
    };
    const r = await runPipelines({ pipelines: [p], object: obj, config: { token: TOKEN } });
    assert.deepEqual(r.pipelines[0].actions, [
      { name: "notify", kind: "slack", step: "notify", inputs: { botToken: TOKEN, channel: "#platform", text: "deployed shop (shop:1)" } },
    ]);
    assert.deepEqual(Object.keys(r.pipelines[0].files), ["a.yaml"]);
    assert.equal(fetchCalls, 0);
    assert.deepEqual(actionResources("req", r).map((a) => [a.resourceName, a.step, a.kind]), [["req-configure-notify", "configure/notify", "slack"]]);
    assert.ok(!JSON.stringify(r.status).includes(TOKEN));

    const off = await runPipelines({ pipelines: [p], object: obj, config: {} });
    assert.deepEqual(off.pipelines[0].actions, [], "inputs returning undefined switch the action off");
  });

  test("bad inputs fail the workflow naming pipeline, step and field, without the secret", async () => {
    const p: Pipeline = { name: "configure", steps: [actionStep("pagerduty", "oncall", { apiKey: TOKEN, name: "shop", rotation: { start: "2025-01-06T09:00:00Z", userIds: [] } })] };
    await assert.rejects(runPipelines({ pipelines: [p], object: obj, config: {} }), (e: unknown) => {
      assert.ok(e instanceof WorkflowStepError);
      assert.match(e.message, /pipeline "configure" step "oncall"/);
      assert.match(e.message, /rotation\.userIds/);
      assert.ok(!e.message.includes(TOKEN) && !JSON.stringify(e.toJSON()).includes(TOKEN));
      return true;
    });
  });

  test("a command step runs a Kratix script seeing earlier files; files, status, selectors and control are merged", async () => {
    const script = [
      "set -eu",
      "test -f output/first.yaml",
      "rm output/drop.txt",
      "name=$(grep '^  name:' input/object.yaml | awk '{print $2}')",
      'printf "kind: ConfigMap\\nmetadata:\\n  name: $name-$KRATIX_PIPELINE_NAME\\n" > "$KRATIX_OUTPUT_DIR/cm.yaml"',
      "mkdir -p output/platform && echo 'kind: Namespace' > output/platform/ns.yaml",
      "printf 'phase: scripted\\nconditions:\\n- type: Scripted\\n  status: \"True\"\\n' > metadata/status.yaml",
      "printf -- '- directory: platform\\n  matchLabels:\\n    environment: platform\\n' > metadata/destination-selectors.yaml",
      "printf 'retryAfter: 1m30s\\n' > metadata/workflow-control.yaml",
    ].join("\n");
    const p: Pipeline = {
      name: "configure",
      steps: [{ name: "first", render: () => ({ files: { "first.yaml": { a: 1 }, "drop.txt": "x" } }) }, commandStep("script", { script, image: "ghcr.io/x/y:1" })],
    };
    const r = await runPipelines({ pipelines: [p], object: obj, config: {}, promise: "web-app" });
    const res = r.pipelines[0];
    assert.deepEqual(Object.keys(res.files).sort(), ["cm.yaml", "first.yaml", "platform/ns.yaml"]);
    assert.equal(YAML.parse(res.files["cm.yaml"]).metadata.name, "shop-configure");
    assert.equal(res.status.phase, "scripted");
    assert.deepEqual((res.status.conditions as { type: string }[]).map((c) => c.type), ["Scripted"]);
    assert.deepEqual(res.destinationSelectors, [{ directory: "platform", matchLabels: { environment: "platform" } }]);
    assert.equal(r.retryAfter, "1m30s");
  });

  test("a failing command step names its step and stderr", async () => {
    const p: Pipeline = { name: "configure", steps: [commandStep("broken", { script: "echo nope >&2; exit 3" })] };
    await assert.rejects(runPipelines({ pipelines: [p], object: obj, config: {} }), /step "broken".*exited with code 3.*nope/s);
  });

  test("retryAfterOf writes durations runPipelines accepts", () => {
    assert.deepEqual([0, 1, 90_500, 3_600_000, 3_661_000].map(retryAfterOf), ["0s", "1s", "1m31s", "1h", "1h1m1s"]);
  });
});

describe("secretCredentials", () => {
  test("wraps credential fields at any depth in secrets and leaves the rest plain", async () => {
    const out = secretCredentials({ botToken: "t", channel: "#c", nested: { apiKey: "k", list: [{ password: "p" }] }, text: "hi" }) as Record<string, any>;
    for (const v of [out.botToken, out.nested.apiKey, out.nested.list[0].password]) {
      assert.ok(pulumi.Output.isInstance(v));
      assert.equal(await (v as any).isSecret, true);
    }
    assert.equal(out.channel, "#c");
    assert.equal(out.text, "hi");
    const whole = secretCredentials(pulumi.output({ channel: "#c" }));
    assert.equal(await (whole as any).isSecret, true);
  });
});
