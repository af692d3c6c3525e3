/**
 * Removing a destination from the platform config (issue 15, finding 7): the requests placed there are
 * rescheduled to another matching destination before its directory is removed, or go Stalled with
 * `NoDestination`; never Ready with nothing behind them.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { AnyPromise } from "../../../components/promise/types";
import { namespacePromise } from "../../../promises/namespace";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const catalogue: Record<string, AnyPromise> = { namespace: namespacePromise as AnyPromise };
const config = (destinations: { name: string; labels: Record<string, string> }[]) => ({
  stateStores: [{ name: "default", embedded: true }],
  destinations,
  promises: [{ name: "namespace", destinationSelectors: [{ matchLabels: { env: "dev" } }] }],
  teams: [{ name: "dev", namespaces: ["default", "r1", "r2", "r3", "r4", "r5", "r6"] }], // it owns the namespaces its TeamNamespaces create
});
const NAMES = ["r1", "r2", "r3", "r4", "r5", "r6"];

interface Status {
  destinations: string[];
  files: { path: string; destination: string; commit: string }[];
  conditions: { type: string; status: string; reason: string; message: string }[];
}

describe("removing a destination", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const status = async (name: string) => ((await (await call("GET", `/v1/requests/default/TeamNamespace/${name}`)).json()) as { status: Status }).status;
  const cond = (s: Status, type: string) => s.conditions.find((c) => c.type === type);

  before(async () => {
    t = await startTestPlatform({ catalogue });
    await t.platform.up(config([{ name: "dev-a", labels: { env: "dev" } }, { name: "dev-b", labels: { env: "dev" } }, { name: "prod", labels: { env: "prod" } }]));
    await t.platform.serve({ retryBaseMs: 50 });
    for (const name of NAMES) await call("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name }, spec: { team: name } });
    await t.platform.service!.idle();
  });
  after(async () => t?.cleanup());

  test("the requests on a removed destination move to another matching one, in Git and in their status", async () => {
    const before = new Map<string, Status>();
    for (const n of NAMES) before.set(n, await status(n));
    const onA = NAMES.filter((n) => before.get(n)!.destinations.includes("dev-a"));
    assert.ok(onA.length > 0 && onA.length < NAMES.length, `the hash spreads requests over both: ${NAMES.map((n) => before.get(n)!.destinations).join(" ")}`);

    await t.platform.up(config([{ name: "dev-b", labels: { env: "dev" } }, { name: "prod", labels: { env: "prod" } }]));
    await t.platform.serve({ retryBaseMs: 50 });
    await t.platform.service!.idle();

    const tree = treeOf(await t.clone());
    assert.deepEqual(tree.filter((f) => f.startsWith("dev-a/")), [], "the removed destination's directory is gone");
    for (const n of NAMES) {
      const s = await status(n);
      assert.deepEqual(s.destinations, ["dev-b"], `${n}: ${JSON.stringify(s.conditions)}`);
      assert.equal(cond(s, "Ready")?.status, "True", n);
      assert.ok(s.files.length > 0);
      for (const f of s.files) {
        assert.equal(f.destination, "dev-b");
        assert.ok(tree.includes(f.path), `${n}: ${f.path} is in Git`);
      }
      if (onA.includes(n)) assert.notDeepEqual(s.files.map((f) => f.commit), before.get(n)!.files.map((f) => f.commit), `${n} was rewritten`);
      else assert.deepEqual(s.files, before.get(n)!.files, `${n} stayed where it was, untouched`);
    }
  });

  test("with no other matching destination they go Stalled with NoDestination, naming it and the selectors; their files are gone", async () => {
    // Also the path of a fresh start (`npm start` after editing the config): no service is running during `up`.
    await t.platform.service!.close();
    t.platform.service = undefined;
    await t.platform.up(config([{ name: "prod", labels: { env: "prod" } }]));
    await t.platform.serve({ retryBaseMs: 50 });
    await t.platform.service!.idle();

    const tree = treeOf(await t.clone());
    assert.deepEqual(tree.filter((f) => f.startsWith("dev-b/")), []);
    assert.deepEqual(tree.filter((f) => f.includes("/namespace/")), [], "nothing of the requests is left anywhere");
    for (const n of NAMES) {
      const s = await status(n);
      const stalled = cond(s, "Stalled");
      assert.equal(stalled?.status, "True", `${n}: ${JSON.stringify(s.conditions)}`);
      assert.equal(stalled?.reason, "NoDestination");
      assert.match(stalled!.message, /"dev-b"/);
      assert.match(stalled!.message, /env=dev/);
      assert.equal(cond(s, "Ready")?.status, "False");
      assert.deepEqual(s.files, []);
      assert.deepEqual(s.destinations, []);
    }
  });

  test("a destination that matches again picks them up at the next start", async () => {
    await t.platform.up(config([{ name: "prod", labels: { env: "prod" } }, { name: "dev-c", labels: { env: "dev" } }]));
    await t.platform.serve({ retryBaseMs: 50 });
    await t.platform.service!.idle();
    const tree = treeOf(await t.clone());
    for (const n of NAMES) {
      const s = await status(n);
      assert.equal(cond(s, "Ready")?.status, "True", `${n}: ${JSON.stringify(s.conditions)}`);
      assert.notEqual(cond(s, "Stalled")?.status, "True");
      assert.deepEqual(s.destinations, ["dev-c"]);
      for (const f of s.files) assert.ok(tree.includes(f.path));
    }
  });
});
