import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { requestKustomization, shardKustomization } from "../../../components/state-store/flux-index";

const request = { destinationPath: "dev", namespace: "default", promise: "redis", name: "cache" };
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJSON() as { kind: string; spec: { dependsOn?: { name: string }[] } });
const kustomization = (yaml: string) => docs(yaml).find((d) => d.kind === "Kustomization")!;

describe("flux index: where the destination's dependencies are waited for", () => {
  test("isolated: the shard waits for them, not each request (a request's new revision must not re-apply the dependencies)", () => {
    const flux = { namespace: "flux-system", destination: "dev", url: "http://git.example/state.git" };
    assert.equal(kustomization(requestKustomization(request, { basePath: "", destination: "dev", flux })).spec.dependsOn, undefined);
    assert.deepEqual(kustomization(shardKustomization({ basePath: "", destinationPath: "dev", flux, shard: "07" })).spec.dependsOn, [{ name: "dev-dependencies" }]);
  });

  test("one shared source: each request's Kustomization depends on the dependencies (Kratix order)", () => {
    const flux = { namespace: "flux-system", destination: "dev" };
    assert.deepEqual(kustomization(requestKustomization(request, { basePath: "", destination: "dev", flux })).spec.dependsOn, [{ name: "dev-dependencies" }]);
  });
});
