/**
 * Delete workflows through the whole platform (real engine, Git, HTTP, CLI): a Promise whose resource
 * delete workflow gates on a file (a Kratix command step) and then tells a webhook receiver; its promise
 * delete workflow tells the receiver too.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { main as plinth } from "../../../cli/main";
import { definePromise } from "../../../components/promise";
import type { AnyPromise } from "../../../components/promise/types";
import { actionStep, commandStep } from "../../../components/workflow";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/receivers";

const SECRET = "hook-secret-0123456789";
let receiverUrl = "";
/** While this file exists the delete workflow fails (its content is the reason). */
const gate = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plinth-gate-")), "gate");

const markerPromise = definePromise({
  name: "marker",
  version: "1.0.0",
  api: { group: "test.plinth.dev", version: "v1", kind: "Marker", plural: "markers", spec: z.object({ size: z.string().default("1") }) },
  workflows: {
    promise: {
      delete: [{ name: "promise-delete", steps: [actionStep("webhook", "tell", ({ object }) => ({ url: `${receiverUrl}/hook`, secret: SECRET, object }))] }],
    },
    resource: {
      configure: [
        {
          name: "instance-configure",
          steps: [{ name: "render", render: ({ object }) => ({ files: { "configmap.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: object.metadata.name, namespace: object.metadata.namespace }, data: { size: object.spec.size } } } }) }],
        },
      ],
      delete: [
        {
          name: "instance-delete",
          steps: [
            // A Kratix-style delete step: reads the request, refuses while the gate file exists.
            commandStep("check", { script: `name=$(sed -n 's/^  name: //p' /kratix/input/object.yaml | head -1); echo "deleting $name ($KRATIX_WORKFLOW_ACTION)"; if [ -e "${"$"}GATE" ]; then echo "blocked by $(cat "${"$"}GATE")" >&2; exit 3; fi`, env: { GATE: gate } }),
            actionStep("webhook", "tell", ({ object }) => ({ url: `${receiverUrl}/hook`, secret: SECRET, object })),
          ],
        },
      ],
    },
  },
}) as AnyPromise;

const config = (promises: unknown[]) => ({
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises,
  teams: [{ name: "dev", namespaces: ["default"] }],
});
const entry = { name: "marker", deletionPolicy: "Cascade", backoff: { limit: 2, initialDelay: "200ms", maxDelay: "1s" } };

type Got = { metadata: { deletionTimestamp?: string }; status: { files: { path: string }[]; message: string; conditions: { type: string; status: string; reason: string; message: string }[]; history?: { reason: string; message: string }[] } };

describe("delete workflows", () => {
  let t: TestPlatform;
  let hook: WebhookReceiver;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const get = async (name: string) => {
    const res = await call("GET", `/v1/requests/default/Marker/${name}`);
    return res.status === 404 ? undefined : ((await res.json()) as Got);
  };
  const create = async (name: string) => assert.equal((await call("POST", "/v1/requests", { apiVersion: "test.plinth.dev/v1", kind: "Marker", metadata: { name }, spec: {} })).status, 202);
  const deliveriesFor = (kind: string, name: string) => hook.events.filter((e) => e.object?.kind === kind && e.object?.metadata?.name === name);
  const until = async (what: string, check: () => Promise<boolean>, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const cli = async (...args: string[]) => {
    let out = "";
    const code = await plinth(args, { env: { PLINTH_URL: t.platform.url, PLINTH_TOKEN: t.platform.devToken }, stdout: (s) => void (out += s), stderr: (s) => void (out += s) });
    return { code, out };
  };

  before(async () => {
    hook = await startWebhookReceiver({ secret: SECRET });
    receiverUrl = hook.url;
    t = await startTestPlatform({ catalogue: { marker: markerPromise } });
    await t.platform.up(config([entry]));
    await t.platform.serve({ retryBaseMs: 50 });
    for (const name of ["one", "two", "three", "four"]) await create(name);
    await t.platform.service!.idle();
  });
  after(async () => {
    await t?.cleanup();
    await hook?.close();
    fs.rmSync(path.dirname(gate), { recursive: true, force: true });
  });

  test("deleting a request runs its delete workflow once, before its files and stack are removed", async () => {
    const files = (await get("one"))!.status.files.map((f) => f.path);
    assert.ok(files.length > 0);
    assert.equal((await call("DELETE", "/v1/requests/default/Marker/one")).status, 202);
    await t.platform.service!.idle();
    assert.equal(await get("one"), undefined, "the request is gone");
    const got = deliveriesFor("Marker", "one");
    assert.equal(got.length, 1, "the delete workflow told the receiver exactly once");
    assert.ok(got[0].object.metadata.deletionTimestamp, "the delete workflow sees the object being deleted");
    const tree = treeOf(await t.clone());
    for (const f of files) assert.ok(!tree.includes(f), `${f} is removed from Git`);
  });

  test("a failing delete workflow keeps the request (DeleteFailed, the step's error, retried) until it is fixed", async () => {
    fs.writeFileSync(gate, "the database backup");
    const files = (await get("two"))!.status.files.map((f) => f.path);
    assert.equal((await call("DELETE", "/v1/requests/default/Marker/two")).status, 202);
    await until("DeleteFailed", async () => (await get("two"))?.status.conditions.some((c) => c.type === "Stalled" && c.status === "True" && c.reason === "DeleteFailed") ?? false);
    const stalled = (await get("two"))!;
    assert.ok(stalled.metadata.deletionTimestamp, "keeps its deletionTimestamp");
    const cond = stalled.status.conditions.find((c) => c.type === "Stalled")!;
    assert.match(cond.message, /instance-delete.*check.*exited with code 3.*blocked by the database backup/);
    assert.ok(stalled.status.history?.some((h) => h.reason === "DeleteFailed"));
    assert.equal(deliveriesFor("Marker", "two").length, 0, "the step after the failing one did not run");
    const tree = treeOf(await t.clone());
    for (const f of files) assert.ok(tree.includes(f), `${f} is still in Git`);
    // Retried with backoff: wait for a second failure, then fix it.
    const firstFailures = stalled.status.history!.filter((h) => h.reason === "DeleteFailed").length;
    await until("a retry", async () => ((await get("two"))?.status.history ?? []).filter((h) => h.reason === "DeleteFailed").length > firstFailures);
    fs.rmSync(gate);
    await until("the request to be deleted", async () => (await get("two")) === undefined);
    assert.equal(deliveriesFor("Marker", "two").length, 1);
    const after = treeOf(await t.clone());
    for (const f of files) assert.ok(!after.includes(f), `${f} is removed from Git`);
  });

  test("`plinth delete --force` skips a failing delete workflow, with a warning", async () => {
    fs.writeFileSync(gate, "an audit hold");
    assert.equal((await call("DELETE", "/v1/requests/default/Marker/three")).status, 202);
    await until("DeleteFailed", async () => (await get("three"))?.status.conditions.some((c) => c.reason === "DeleteFailed") ?? false);
    const events: string[] = [];
    const ac = new AbortController();
    const res = await fetch(`${t.platform.url}/v1/requests/default/Marker/three/events`, { headers: { authorization: `Bearer ${t.platform.devToken}` }, signal: ac.signal });
    const reading = (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) events.push(dec.decode(chunk));
      } catch {
        /* aborted */
      }
    })();
    const { code, out } = await cli("delete", "marker", "three", "--force", "-w", "--timeout", "60");
    assert.equal(code, 0, out);
    assert.match(out, /warning: --force skips the delete workflow/);
    assert.match(out, /deleted/);
    ac.abort();
    await reading;
    assert.match(events.join(""), /warning: delete workflow skipped: deleted with --force/);
    assert.equal(await get("three"), undefined);
    assert.equal(deliveriesFor("Marker", "three").length, 0, "the delete workflow did not run");
    fs.rmSync(gate);
  });

  test("removing the Promise (Cascade) runs the requests' delete workflows, then the promise delete workflow", async () => {
    await t.platform.up(config([]));
    assert.equal(deliveriesFor("Marker", "four").length, 1, "the remaining request's delete workflow ran");
    const promiseEvents = deliveriesFor("Promise", "marker");
    assert.equal(promiseEvents.length, 1, "the promise delete workflow ran once");
    assert.ok(hook.events.indexOf(promiseEvents[0]) > hook.events.indexOf(deliveriesFor("Marker", "four")[0]), "after its requests");
    const tree = treeOf(await t.clone());
    assert.ok(!tree.some((f) => f.includes("/marker/")), tree.join(","));
  });
});
