import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { childRequest, definePromise, promiseLabels, statusOutputs } from "../../../components/promise";
import { renderRequest } from "../../../promises/testing";

const api = { group: "example.dev", version: "v1", kind: "Thing", spec: z.object({ size: z.number().default(1) }) };

describe("writing a Promise: shorthands", () => {
  test("configure is the one-step configure workflow, typed from the schemas, and renders like the long form", async () => {
    const short = definePromise({ name: "thing", version: "1.0.0", api, configure: ({ object }) => ({ files: { "cm.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: object.metadata.name }, data: { size: String(object.spec.size * 2) } } }, status: { size: object.spec.size } }) });
    assert.equal("configure" in short, false);
    const pipeline = short.workflows?.resource?.configure?.[0];
    assert.equal(pipeline?.name, "configure");
    assert.deepEqual(pipeline?.steps.map((s) => s.name), ["render"]);
    const request = { apiVersion: "example.dev/v1", kind: "Thing", metadata: { name: "t" }, spec: { size: 3 } };
    const long = definePromise({ name: "thing", version: "1.0.0", api, workflows: { resource: { configure: [{ name: "configure", steps: [{ name: "render", render: pipeline!.steps[0].render! }] }] } } } as never);
    assert.deepEqual((await renderRequest(short, request)).files, (await renderRequest(long, request)).files);
    assert.deepEqual((await renderRequest(short, request)).objects.dev[0].data, { size: "6" });
    const named = definePromise({ name: "thing", version: "1.0.0", api, configure: () => ({}), configureStep: "make" });
    assert.deepEqual(named.workflows?.resource?.configure?.[0].steps.map((s) => s.name), ["make"]);
  });

  test("configure together with workflows.resource.configure, or not a function, is refused with the field", () => {
    const step = { name: "configure", steps: [{ name: "r", render: () => ({}) }] };
    assert.throws(() => definePromise({ name: "thing", version: "1.0.0", api, configure: () => ({}), workflows: { resource: { configure: [step] } } }), (e: Error & { code?: string }) => e.code === "InvalidPromise" && /not both/.test(e.message));
    assert.throws(() => definePromise({ name: "thing", version: "1.0.0", api, configure: "nope" as never }), /configure: must be a render function/);
  });

  test("promiseLabels, statusOutputs and childRequest", () => {
    assert.deepEqual(promiseLabels("redis", { "plinth.dev/size": "small" }), { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": "redis", "plinth.dev/size": "small" });
    interface St extends Record<string, unknown> {
      host: string;
      port: number;
      secret: string;
    }
    const outputs = statusOutputs<St>()("host", "port");
    assert.deepEqual(outputs({ request: {} as never, config: {}, status: { host: "h", port: 5432, secret: "s" } }), { host: "h", port: 5432 });
    assert.deepEqual(outputs({ request: {} as never, config: {}, status: { host: "h" } }), { host: "h" });
    assert.deepEqual(childRequest({ apiVersion: "marketplace.kratix.io/v1alpha1", kind: "redis", parent: { kind: "app", name: "shop", namespace: "team-a" }, spec: { size: "small" } }), {
      apiVersion: "marketplace.kratix.io/v1alpha1",
      kind: "redis",
      metadata: { name: "shop", namespace: "team-a", labels: { "plinth.dev/owner-namespace": "team-a", "plinth.dev/owner-kind": "app", "plinth.dev/owner-name": "shop" } },
      spec: { size: "small" },
    });
  });
});
