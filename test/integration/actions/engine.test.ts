/**
 * Workflow actions through the real engine: a ResourceRequest of a small Promise whose configure
 * workflow declares a Slack message, a PagerDuty service + schedule and a Zendesk ticket (and runs a
 * Kratix command step), served by the `plinth` provider inside this process against local receivers.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { withCapturedRejections as captureRejections } from "../../support/rejections";
import * as path from "node:path";
import * as YAML from "yaml";
import { z } from "zod";
import { definePromise, ResourceRequest, type ResourceRequestObject } from "../../../components/promise";
import { PLACEMENT_TYPE } from "../../../components/state-store/placement";
import { actionStep, commandStep } from "../../../components/workflow";
import { Action, ACTION_TYPE } from "../../../components/workflow/actions";
import { PlinthProvider, placementHandler, serveInProcess, stopInProcess, type DirectoryWriter } from "../../../service/provider";
import { actionResourceHandler } from "../../../service/provider/action";
import { OperationError } from "../../../service/engine";
import { createTestEngine, type TestEngine } from "../../support/pulumi";
import { startPagerDutyReceiver, startSlackReceiver, startZendeskReceiver, type PagerDutyReceiver, type SlackReceiver, type ZendeskReceiver } from "../../support/receivers";

const SLACK_TOKEN = "xoxb-engine-SECRET-5f1c2a";
const PD_KEY = "pdkey-engine-SECRET-77ab";
const ZD_TOKEN = "zdtoken-engine-SECRET-9e0d";
const SECRETS = [SLACK_TOKEN, PD_KEY, ZD_TOKEN];
const ZD_EMAIL = "agent@example.com";

function dirWriter(root: string): DirectoryWriter {
  return {
    async writeDirectory({ dir, files }) {
      fs.rmSync(path.join(root, dir), { recursive: true, force: true });
      for (const [f, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, dir, f)), { recursive: true });
        fs.writeFileSync(path.join(root, dir, f), c);
      }
      return { commit: "c", changed: true };
    },
    async removeDirectory({ dir }) {
      fs.rmSync(path.join(root, dir), { recursive: true, force: true });
      return { commit: "c", changed: true };
    },
  };
}

/** Runs `fn` (expected to fail) with unhandled rejections captured; returns them and the failure. */
async function withCapturedRejections(fn: () => Promise<unknown>): Promise<unknown[] & { error?: unknown }> {
  const out = await captureRejections(fn);
  return Object.assign(out.rejections, { error: out.error });
}

/** Every file under `dir`, recursively, as text. */
function allText(dir: string): string {
  if (!fs.existsSync(dir)) return "";
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");
}

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains a credential`);
}

const config = z.object({
  slack: z.object({ baseUrl: z.string(), botToken: z.string().optional() }),
  pagerduty: z.object({ baseUrl: z.string(), apiKey: z.string() }),
  zendesk: z.object({ baseUrl: z.string(), apiToken: z.string() }),
});

type Req = ResourceRequestObject<{ text: string }>;
type Cfg = z.output<typeof config>;

/** A Kratix pipeline script: reads the request, writes a ConfigMap and a status field. */
const SCRIPT = `set -eu
text=$(grep '^  text:' input/object.yaml | sed 's/^  text: //')
cat > "$KRATIX_OUTPUT_DIR/from-script.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: scripted
data:
  text: "$text"
  pipeline: $KRATIX_PIPELINE_NAME
EOF
echo "scriptedBy: $KRATIX_PROMISE_NAME" > metadata/status.yaml
`;

const notifyPromise = definePromise({
  name: "notify-test",
  version: "0.1.0",
  api: { group: "test.plinth.dev", version: "v1", kind: "Notified", spec: z.object({ text: z.string() }) },
  config,
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            { name: "render", render: ({ object }) => ({ files: { "cm.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: object.metadata.name }, data: { text: object.spec.text } } } }) },
            commandStep("kratix", { script: SCRIPT }),
            actionStep<Req, Cfg>("slack", "notify", ({ object, config: c }) => ({ baseUrl: c.slack.baseUrl, botToken: c.slack.botToken, channel: "#platform", text: object.spec.text })),
            actionStep<Req, Cfg>("pagerduty", "oncall", ({ object, config: c }) => ({
              baseUrl: c.pagerduty.baseUrl,
              apiKey: c.pagerduty.apiKey,
              name: `${object.metadata.namespace}-${object.metadata.name}`,
              description: object.spec.text,
              rotation: { start: "2025-01-06T09:00:00Z", userIds: ["PUSER01"] },
            })),
            actionStep<Req, Cfg>("zendesk", "ticket", ({ object, config: c }) => ({
              baseUrl: c.zendesk.baseUrl,
              email: ZD_EMAIL,
              apiToken: c.zendesk.apiToken,
              subject: `New resource ${object.metadata.name}`,
              body: object.spec.text,
              requester: { name: "Team A", email: "team-a@example.com" },
              tags: ["plinth"],
            })),
          ],
        },
      ],
    },
  },
});

describe("workflow actions as Action resources through the engine", () => {
  let engine: TestEngine;
  let port: number;
  let storeRoot: string;
  let slack: SlackReceiver;
  let pd: PagerDutyReceiver;
  let zd: ZendeskReceiver;
  const logs: string[] = [];
  const sleeps: number[] = [];

  before(async () => {
    engine = await createTestEngine();
    storeRoot = path.join(engine.dir, "store");
    [slack, pd, zd] = await Promise.all([
      startSlackReceiver({ token: SLACK_TOKEN }),
      startPagerDutyReceiver({ apiKey: PD_KEY }),
      startZendeskReceiver({ email: ZD_EMAIL, apiToken: ZD_TOKEN }),
    ]);
    const provider = new PlinthProvider({
      [PLACEMENT_TYPE]: placementHandler(() => dirWriter(storeRoot)),
      [ACTION_TYPE]: actionResourceHandler({
        sealKey: "engine-test-seal-key",
        log: (m) => logs.push(m),
        sleep: async (ms) => void sleeps.push(ms),
      }),
    });
    port = await serveInProcess(provider);
  });
  after(async () => {
    await stopInProcess();
    await Promise.all([slack?.close(), pd?.close(), zd?.close()]);
    await engine?.cleanup();
  });

  const cfg = (botToken: string | undefined = SLACK_TOKEN) => ({
    slack: { baseUrl: slack.url, botToken },
    pagerduty: { baseUrl: pd.url, apiKey: PD_KEY },
    zendesk: { baseUrl: zd.url, apiToken: ZD_TOKEN },
  });
  const program = (text: string, botToken?: string) => async () => {
    const r = new ResourceRequest("req", {
      promise: notifyPromise,
      config: cfg(botToken),
      request: { apiVersion: "test.plinth.dev/v1", kind: "Notified", metadata: { name: "shop", namespace: "team-a" }, spec: { text } },
      destinations: [{ name: "dev", labels: { env: "dev" }, stateStore: "local" }],
      store: "local",
    });
    return { status: r.status, actions: r.actions };
  };
  const counts = () => [slack.calls.length, pd.calls.length, zd.calls.length];

  test("create once, no call when unchanged, exactly the update calls on change (429 retried), delete calls on destroy; no secret in state, files, events or logs", async () => {
    const ws = engine.workspace({ debugProviders: () => ({ plinth: port }) });
    const name = "team-a.notify-test.shop";
    const stack = await ws.createStack(name);

    // 1. First up: each API is called once, with the documented shapes.
    const first = await stack.up({ program: program("Shop v1 is live") });
    assert.equal(slack.calls.length, 1);
    const post = slack.calls[0];
    assert.deepEqual([post.method, post.path, post.status, post.headers.authorization], ["POST", "/api/chat.postMessage", 200, `Bearer ${SLACK_TOKEN}`]);
    assert.deepEqual(post.body, { channel: "#platform", text: "Shop v1 is live" });
    assert.deepEqual(pd.calls.map((c) => `${c.method} ${c.path} ${c.status}`), ["POST /schedules 201", "POST /escalation_policies 201", "POST /services 201"]);
    assert.equal(pd.calls[2].body.service.name, "team-a-shop");
    assert.equal(pd.calls[0].body.schedule.schedule_layers[0].users[0].user.id, "PUSER01");
    assert.deepEqual(zd.calls.map((c) => `${c.method} ${c.path} ${c.status}`), ["POST /api/v2/tickets.json 201"]);
    assert.deepEqual(zd.calls[0].body.ticket.requester, { name: "Team A", email: "team-a@example.com" });
    assert.equal(zd.calls[0].body.ticket.comment.body, "Shop v1 is live");

    const status = first.outputs.status as Record<string, any>;
    assert.deepEqual(status.actions.map((a: any) => `${a.step} ${a.kind} ${a.resource}`), [
      "configure/notify slack req-configure-notify",
      "configure/oncall pagerduty req-configure-oncall",
      "configure/ticket zendesk req-configure-ticket",
    ]);
    assert.equal(status.scriptedBy, "notify-test", "the command step's status.yaml reached the request status");
    const states = first.outputs.actions as Record<string, any>;
    assert.equal(states["configure/notify"].ts, slack.messages[0].ts);
    assert.equal(states["configure/oncall"].serviceId, [...pd.services.keys()][0]);
    assert.equal(states["configure/ticket"].ticketId, [...zd.tickets.keys()][0]);

    // The command step's files are in the placement with the render step's.
    const placementDir = path.join(storeRoot, status.placements[0].dir);
    assert.deepEqual(fs.readdirSync(placementDir).sort(), ["cm.yaml", "from-script.yaml", "kustomization.yaml"]);
    const scripted = YAML.parse(fs.readFileSync(path.join(placementDir, "from-script.yaml"), "utf8"));
    assert.deepEqual(scripted.data, { text: "Shop v1 is live", pipeline: "configure" });

    // 2. Same request: no call at all.
    const before2 = counts();
    const same = await stack.up({ program: program("Shop v1 is live") });
    assert.deepEqual(counts(), before2, "an unchanged request calls no API");
    assert.equal(same.changes.update ?? 0, 0);

    // 3. Changed text: exactly the update calls; Slack answers 429 once and is retried.
    slack.failNext(1, { status: 429, retryAfter: 0 });
    const [s0, p0, z0] = counts();
    const changed = await stack.up({ program: program("Shop v2 is live") });
    assert.equal(changed.changes.update, 4, "three actions and the placement were updated");
    assert.deepEqual(slack.calls.slice(s0).map((c) => c.status), [429, 200]);
    assert.equal(slack.calls.at(-1)!.body.thread_ts, slack.messages[0].ts, "the update is a reply in the first message's thread");
    assert.match(slack.calls.at(-1)!.body.text, /Shop v2 is live/);
    assert.deepEqual(sleeps, [0], "one retry, after the Retry-After of 0 s");
    assert.ok(logs.some((l) => /Slack: POST .* HTTP 429.*retry 1\/4/.test(l)), logs.join("\n"));
    assert.deepEqual(pd.calls.slice(p0).map((c) => `${c.method} ${c.path.replace(/P[0-9A-F]{6}$/, "ID")}`), ["PUT /services/ID"], "only the service's body changed");
    assert.equal(pd.calls.at(-1)!.body.service.description, "Shop v2 is live");
    assert.deepEqual(zd.calls.slice(z0).map((c) => `${c.method} ${c.path}`), [`PUT /api/v2/tickets/${states["configure/ticket"].ticketId}.json`]);
    assert.equal(zd.calls.at(-1)!.body.ticket.comment.public, false);

    // No credential in the checkpoint (file backend), the CLI's stack export, the placement files, events or logs.
    const stateText = allText(engine.backendUrl.slice("file://".length));
    assert.match(stateText, /req-configure-notify/, "the checkpoint holds the actions");
    assert.match(stateText, /ciphertext/, "the credentials are stored encrypted");
    assertNoSecret(stateText, "the file backend");
    const exported = await ws.runCli(["stack", "export", "--stack", name]);
    const deployment = JSON.parse(exported.stdout);
    const action = deployment.deployment.resources.find((r: any) => r.type === ACTION_TYPE && r.urn.endsWith("req-configure-notify"));
    assert.ok(action.inputs.inputs.botToken.ciphertext, "the token input is a secret");
    assert.equal(action.outputs.state.channel, slack.messages[0].channel, "state is plain");
    assertNoSecret(exported.stdout, "stack export");
    assertNoSecret(allText(storeRoot), "the placement files");
    const debugAnswers = first.events.filter((e) => /RegisterResource RPC finished: resource:req-configure-notify/.test(e.diagnosticEvent?.message ?? ""));
    assert.ok(debugAnswers.length > 0, "the SDK's debug events (which print outputs) are among the captured events");
    assertNoSecret(JSON.stringify([first.events, same.events, changed.events]), "engine events");
    assertNoSecret(logs.join("\n"), "provider logs");

    // 4. Destroy: the delete calls, and the placement is gone.
    const [s1, p1, z1] = counts();
    await stack.destroy();
    assert.deepEqual(slack.calls.slice(s1).map((c) => c.body.thread_ts), [slack.messages[0].ts]);
    assert.match(slack.calls.at(-1)!.body.text, /^Deleted: /);
    assert.deepEqual(pd.calls.slice(p1).map((c) => `${c.method} ${c.path.split("/")[1]} ${c.status}`), ["DELETE services 204", "DELETE escalation_policies 204", "DELETE schedules 204"]);
    assert.equal(pd.services.size + pd.escalationPolicies.size + pd.schedules.size, 0);
    assert.deepEqual(zd.calls.slice(z1).map((c) => c.body.ticket.status), ["solved"]);
    assert.equal(fs.existsSync(placementDir), false);
    await ws.removeStack(name);
  });

  test("a missing credential fails the up naming the field before any call", async () => {
    const ws = engine.workspace({ debugProviders: () => ({ plinth: port }) });
    const before = counts();

    // Declared by a workflow step: the workflow fails, so no Action is registered at all.
    const viaStep = await ws.createStack("team-a.notify-test.nobot");
    // Pulumi reports a component's failed outputs as unhandled rejections (its run handler turns them into
    // the error of the up); keep the test runner's handler from counting them as leaks of this file.
    const rejected = await withCapturedRejections(() => viaStep.up({ program: program("hello", "") }));
    assert.ok(rejected.every((r) => /botToken/.test(String(r))), "only the expected failure was reported");
    await assert.rejects(Promise.reject(rejected.error), (e: unknown) => {
      assert.ok(e instanceof OperationError);
      assert.match(e.message, /pipeline "configure" step "notify".*botToken/s);
      assertNoSecret(e.message, "the error");
      return true;
    });
    await ws.removeStack("team-a.notify-test.nobot", { force: true });

    // An Action resource used directly: the provider's check names the field.
    const direct = await ws.createStack("direct.bad");
    await assert.rejects(
      direct.up({
        program: async () =>
          void new Action("ticket", {
            kind: "zendesk",
            inputs: { baseUrl: zd.url, email: ZD_EMAIL, subject: "s", body: "b", requester: { name: "n", email: "n@example.com" } },
          }),
      }),
      (e: unknown) => e instanceof OperationError && /inputs\.apiToken/.test(e.message) && /required/.test(e.message),
    );
    assert.deepEqual(counts(), before, "no receiver saw a call");

    // A remote error fails the up naming the step kind and the API's error, without the token.
    await assert.rejects(
      direct.up({ program: async () => void new Action("msg", { kind: "slack", inputs: { baseUrl: slack.url, botToken: SLACK_TOKEN, channel: "#nowhere", text: "x" }, step: "configure/notify" }) }),
      (e: unknown) => {
        assert.ok(e instanceof OperationError);
        assert.match(e.message, /slack action \(step configure\/notify\) failed to create: .*channel_not_found/);
        assertNoSecret(e.message, "the error");
        return true;
      },
    );
    await ws.removeStack("direct.bad", { force: true });
  });
});
