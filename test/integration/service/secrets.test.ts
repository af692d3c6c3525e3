/**
 * Secrets through the whole embedded platform (real engine, Git, HTTP): a Promise's organisation config
 * holds credentials (a Slack webhook URL, an API token), and a command step gets one as secret env, echoes
 * it and fails. Neither value may appear in plaintext anywhere under the data dir, in the request's
 * status, in its event stream or in the service log.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { definePromise, type AnyPromise } from "../../../components/promise";
import { commandStep } from "../../../components/workflow";
import { namespacePromise } from "../../../promises/namespace/promise";
import { startTestPlatform, type TestPlatform } from "../../support/platform";
import { withCapturedRejections } from "../../support/rejections";
import { createLogger, logSink } from "../../../service/log/logger";

const API_TOKEN = "tok-SECRET-4f8e1c0b9a";
const WEBHOOK = "https://hooks.slack.example/services/T000/B000/SECRETxyz123";
const SECRETS = [API_TOKEN, WEBHOOK, encodeURIComponent(WEBHOOK)];

const leaky = definePromise({
  name: "leaky",
  version: "0.1.0",
  api: { group: "test.plinth.dev", version: "v1", kind: "Leaky", spec: z.object({ text: z.string() }) },
  config: z.object({ apiToken: z.string(), slackWebhookUrl: z.string().url() }),
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            commandStep("call-api", {
              script: 'echo "calling with token $API_TOKEN" >&2; echo "message: token $API_TOKEN" > "$KRATIX_METADATA_DIR/status.yaml"; exit 3',
              secretEnv: ({ config }) => ({ API_TOKEN: (config as { apiToken: string }).apiToken }),
            }),
          ],
        },
      ],
    },
  },
});

const catalogue: Record<string, AnyPromise> = { namespace: namespacePromise as AnyPromise, leaky: leaky as AnyPromise };
const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "namespace" }, { name: "leaky", config: { apiToken: API_TOKEN, slackWebhookUrl: WEBHOOK } }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

/** Every file under `dir` (bytes as latin1, so binary files are searched too) that holds a secret. */
function filesWithSecrets(dir: string): string[] {
  const hits: string[] = [];
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const text = fs.readFileSync(file).toString("latin1");
    if (SECRETS.some((s) => text.includes(s))) hits.push(path.relative(dir, file));
  }
  return hits;
}

describe("secrets never in plaintext: Promise config on disk, command-step secrets in status, events and logs", () => {
  let t: TestPlatform;
  const logs: string[] = [];
  before(async () => {
    t = await startTestPlatform({ catalogue });
    await t.platform.up(config);
    // The service log as production writes it: pino JSON lines (service/log/logger.ts).
    const logger = createLogger({ format: "json", stream: { write: (l: string) => void logs.push(l) }, env: {} });
    await t.platform.serve({ maxAttempts: 1, retryBaseMs: 50, log: logSink(logger) });
  });
  after(async () => t?.cleanup());

  test("a Promise's organisation config (Slack webhook, API token) is nowhere in the data dir in plaintext, and a second up reads it back", async () => {
    assert.deepEqual(filesWithSecrets(t.dir), []);
    const settings = fs.readFileSync(path.join(t.dir, "data", "platform", "Pulumi.local.yaml"), "utf8");
    assert.match(settings, /plinth:promises:\s*\n\s*secure: /, "kept as a Pulumi secret");
    await t.platform.up(config); // preflight decrypts the previous config
    assert.deepEqual(filesWithSecrets(t.dir), []);
  });

  test("a failing command step that echoes its secret env leaks it into neither status, events, errors nor logs", async () => {
    const token = t.platform.devToken;
    const url = t.platform.url;
    // The failing program leaves the SDK's own promises rejected (see test/support/rejections.ts).
    const run = await withCapturedRejections(async () => {
      const post = await fetch(`${url}/v1/requests`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ apiVersion: "test.plinth.dev/v1", kind: "Leaky", metadata: { name: "one" }, spec: { text: "hi" } }),
      });
      assert.equal(post.status, 202);
      const stream = await fetch(`${url}/v1/requests/default/Leaky/one/events?until=ready`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(stream.status, 200);
      const events = await stream.text(); // ends on Stalled
      await t.platform.service!.idle();
      const got = await fetch(`${url}/v1/requests/default/Leaky/one`, { headers: { authorization: `Bearer ${token}` } });
      return { events, status: await got.text() };
    });
    assert.equal(run.error, undefined);
    const { events, status } = run.result!;
    const rejections = run.rejections.map((r) => String((r as Error)?.message ?? r)).join("\n");
    assert.match(status, /exited with code 3/, "the step's failure is reported");
    assert.match(status, /\[REDACTED\]/, "with the secret redacted");
    assert.match(events, /"type":"status"/);
    for (const [where, text] of [["status", status], ["events", events], ["log", logs.join("\n")], ["errors", rejections]] as const) {
      for (const s of SECRETS) assert.ok(!text.includes(s), `${where} holds a secret`);
    }
    assert.deepEqual(filesWithSecrets(t.dir), []);
    const failed = logs.map((l) => JSON.parse(l)).find((o) => /^reconcile of \S+ failed/.test(o.msg));
    assert.ok(failed, `no failure line in the service log:\n${logs.join("")}`);
    assert.equal(failed.level, 30);
    assert.equal(failed.team, "dev", "the line carries the request's team");
    assert.equal(failed.request, "leaky/default/one", "and the request");
    assert.ok(failed.msg.startsWith(`reconcile of ${failed.stack} failed`), "and its stack");
  });
});
