import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fluxStatusSource } from "../../../destinations/local-cluster/flux-status";
import { fluxShardOf, requestKustomizationName } from "../../../components/state-store/flux-index";

/** Records the GitRepositories asked to reconcile (merge patches of `reconcile.fluxcd.io/requestedAt`). */
function recordingClient() {
  const patched: string[] = [];
  return {
    patched,
    client: {
      get: async <T>(): Promise<T | undefined> => undefined,
      mergePatch: async <T>(path: string, patch: unknown): Promise<T> => {
        assert.ok((patch as { metadata: { annotations: Record<string, string> } }).metadata.annotations["reconcile.fluxcd.io/requestedAt"]);
        patched.push(decodeURIComponent(path.split("/gitrepositories/")[1]));
        return {} as T;
      },
    },
  };
}

describe("fluxStatusSource.requestReconcile", () => {
  it("isolated, for one request: the dependencies, the request's index shard and the request's own source", async () => {
    const { client, patched } = recordingClient();
    const request = { namespace: "default", promise: "redis", name: "cache" };
    await fluxStatusSource({ destination: "dev", client, isolated: true }).requestReconcile(request);
    assert.deepEqual(patched, ["dev-dependencies", `dev-flux-${fluxShardOf(request)}`, requestKustomizationName("dev", request)]);
  });

  it("isolated, for no request in particular: every source of the destination, every index shard included", async () => {
    // A bulk write (many requests at once) must reach each shard: the index lists only the shards, so
    // fetching it alone leaves new entries unapplied until the shards' own interval (10 min by default).
    const { client, patched } = recordingClient();
    await fluxStatusSource({ destination: "dev", client, isolated: true }).requestReconcile();
    assert.equal(patched.length, 2 + 32);
    assert.ok(patched.includes("dev-dependencies") && patched.includes("dev-resources"));
    for (let k = 0; k < 32; k++) assert.ok(patched.includes(`dev-flux-${String(k).padStart(2, "0")}`), `shard ${k}`);
  });

  it("not isolated: the State Store's one source", async () => {
    const { client, patched } = recordingClient();
    await fluxStatusSource({ destination: "dev", client }).requestReconcile({ namespace: "default", promise: "redis", name: "cache" });
    assert.deepEqual(patched, ["plinth-state-store"]);
  });
});
