import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import type { AnyPromise } from "../../../components/promise/types";
import { namespacePromise, namespaceSpec } from "../../../promises/namespace";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";
import { withCapturedRejections } from "../../support/rejections";

const v2 = { ...namespacePromise, version: "0.2.0", api: { ...namespacePromise.api, spec: namespaceSpec.extend({ owner: z.string().min(1) }) } } as AnyPromise;
const catalogue: Record<string, AnyPromise> = { namespace: namespacePromise as AnyPromise };
const config = (promises: unknown[]) => ({
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises,
  teams: [{ name: "dev", namespaces: ["default", "alpha", "beta"] }],
});

describe("promise changes against existing requests", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  before(async () => {
    t = await startTestPlatform({ catalogue });
    await t.platform.up(config([{ name: "namespace" }]));
    await t.platform.serve({ retryBaseMs: 50 });
    for (const name of ["alpha", "beta"]) await call("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name }, spec: { team: "a" } });
    await t.platform.service!.idle();
  });
  after(async () => t?.cleanup());

  test("a schema change that rejects existing requests is refused before any change, naming requests and fields", async () => {
    const head = await t.head();
    catalogue.namespace = v2;
    try {
      await assert.rejects(t.platform.up(config([{ name: "namespace" }])), (err: Error) => /default\/TeamNamespace\/alpha\.spec\.owner/.test(err.message) && /beta/.test(err.message));
    } finally {
      catalogue.namespace = namespacePromise as AnyPromise;
    }
    assert.equal(await t.head(), head, "nothing written");
  });

  test("with a migrate function the requests are migrated and re-run on the new version", async () => {
    catalogue.namespace = { ...v2, migrate: (spec: unknown) => ({ ...(spec as object), owner: "migrated" }) } as AnyPromise;
    await t.platform.up(config([{ name: "namespace" }]));
    await t.platform.serve({ retryBaseMs: 50 });
    await t.platform.service!.idle();
    const got = (await (await call("GET", "/v1/requests/default/TeamNamespace/alpha")).json()) as { metadata: { generation: number }; spec: { owner: string }; status: { promiseVersion: string; observedGeneration: number } };
    assert.equal(got.spec.owner, "migrated");
    assert.equal(got.metadata.generation, 2);
    assert.equal(got.status.observedGeneration, 2);
    assert.equal(got.status.promiseVersion, "0.2.0");
  });

  test("an upgrade whose workflow fails for one request stalls that one (with its error) and finishes the others", async () => {
    const base = catalogue.namespace;
    const pipeline = base.workflows!.resource!.configure![0];
    catalogue.namespace = {
      ...base,
      version: "0.3.0",
      workflows: {
        ...base.workflows,
        resource: {
          configure: [
            {
              ...pipeline,
              steps: [
                { name: "guard", render: ({ object }: { object: { metadata: { name: string } } }) => { if (object.metadata.name === "beta") throw new Error("beta is broken"); return {}; } },
                ...pipeline.steps,
              ],
            },
          ],
        },
      },
    } as AnyPromise;
    await t.platform.up(config([{ name: "namespace" }]));
    const run = await withCapturedRejections(async () => {
      await t.platform.serve({ retryBaseMs: 20, maxAttempts: 2 });
      await t.platform.service!.idle();
    });
    assert.equal(run.error, undefined);
    assert.ok(run.rejections.every((r) => /beta is broken/.test(String((r as Error)?.message ?? r))), "only the failing program's own rejections");
    type S = { status: { promiseVersion: string; conditions: { type: string; status: string; message: string }[] } };
    const alpha = (await (await call("GET", "/v1/requests/default/TeamNamespace/alpha")).json()) as S;
    const beta = (await (await call("GET", "/v1/requests/default/TeamNamespace/beta")).json()) as S;
    assert.equal(alpha.status.promiseVersion, "0.3.0", `alpha was not upgraded: ${JSON.stringify(alpha.status.conditions)}`);
    assert.equal(alpha.status.conditions.find((c) => c.type === "Ready")?.status, "True");
    const stalled = beta.status.conditions.find((c) => c.type === "Stalled");
    assert.equal(stalled?.status, "True");
    assert.match(stalled!.message, /beta is broken/);
    assert.match(stalled!.message, /guard/, "names the step");
    const view = (await (await call("GET", "/v1/promises/namespace")).json()) as { requests: { current: number; stalled: number } };
    assert.deepEqual([view.requests.current, view.requests.stalled], [1, 1]);
    const tree = treeOf(await t.clone());
    assert.ok(tree.some((f) => f.includes("/namespace/beta/")), "a failed reconcile deletes nothing: beta keeps its files");
  });

  test("removing a promise that has requests fails naming them and changes nothing", async () => {
    const head = await t.head();
    await assert.rejects(t.platform.up(config([])), (err: Error) => /namespace/.test(err.message) && /default\/TeamNamespace\/alpha/.test(err.message) && /Cascade/.test(err.message));
    assert.equal(await t.head(), head);
    assert.equal(((await (await call("GET", "/v1/requests")).json()) as { items: unknown[] }).items.length, 2);
  });

  test("with deletionPolicy: Cascade the requests are deleted first, then the promise's files", async () => {
    await t.platform.up(config([{ name: "namespace", deletionPolicy: "Cascade" }]));
    await t.platform.up(config([]));
    assert.equal(((await (await call("GET", "/v1/requests")).json()) as { items: unknown[] }).items.length, 0);
    const tree = treeOf(await t.clone());
    assert.deepEqual(tree.filter((f) => f.includes("/namespace/")), [], tree.join(","));
    const stacks = await t.platform.service!.options.workspace.listStacks();
    assert.deepEqual(stacks, []);
  });
});
