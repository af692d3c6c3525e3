/**
 * kubeStatusSource.requestReconcile over HTTP (a recording API server on 127.0.0.1): which GitRepositories
 * get the `reconcile.fluxcd.io/requestedAt` merge patch, and that a missing one (404) is not an error.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { kubeStatusSource } from "../../../components/flux/kube-status";
import { fluxShardOf, requestKustomizationName } from "../../../components/state-store/flux-index";

describe("kubeStatusSource.requestReconcile", () => {
  let server: http.Server;
  let kubeconfig: string;
  let patched: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const name = decodeURIComponent((req.url ?? "").split("/gitrepositories/")[1] ?? "");
        if (req.method !== "PATCH" || !name) return void res.writeHead(404).end();
        assert.equal(req.headers["content-type"], "application/merge-patch+json");
        assert.equal(req.headers.authorization, "Bearer t0ken");
        assert.ok((JSON.parse(body) as { metadata: { annotations: Record<string, string> } }).metadata.annotations["reconcile.fluxcd.io/requestedAt"]);
        assert.match(req.url!, /^\/apis\/source\.toolkit\.fluxcd\.io\/v1\/namespaces\/flux-system\/gitrepositories\//);
        patched.push(name);
        // A new request's source does not exist yet.
        if (name.includes("missing")) return void res.writeHead(404, { "content-type": "application/json" }).end('{"kind":"Status","code":404}');
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    kubeconfig = JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "t0ken" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it("isolated, for one request: the dependencies, the request's index shard and the request's own source", async () => {
    patched = [];
    const request = { namespace: "default", promise: "redis", name: "cache" };
    await kubeStatusSource({ destination: "dev", kubeconfig, isolated: true }).requestReconcile(request);
    assert.deepEqual(patched.sort(), ["dev-dependencies", `dev-flux-${fluxShardOf(request)}`, requestKustomizationName("dev", request)].sort());
  });

  it("isolated, for no request in particular: every source of the destination, every index shard included", async () => {
    // A bulk write (many requests at once) must reach each shard: the index lists only the shards, so
    // fetching it alone leaves new entries unapplied until the shards' own interval (10 min by default).
    patched = [];
    await kubeStatusSource({ destination: "dev", kubeconfig, isolated: true }).requestReconcile();
    assert.equal(patched.length, 2 + 32);
    assert.ok(patched.includes("dev-dependencies") && patched.includes("dev-resources"));
    for (let k = 0; k < 32; k++) assert.ok(patched.includes(`dev-flux-${String(k).padStart(2, "0")}`), `shard ${k}`);
  });

  it("not isolated, or a remote destination applying resources/ as a whole: the State Store's one source", async () => {
    patched = [];
    await kubeStatusSource({ destination: "dev", kubeconfig }).requestReconcile({ namespace: "default", promise: "redis", name: "cache" });
    await kubeStatusSource({ destination: "eks", kubeconfig, perRequest: false, isolated: true }).requestReconcile();
    assert.deepEqual(patched, ["plinth-state-store", "plinth-state-store"]);
  });

  it("a source not there yet (404) is not an error", async () => {
    patched = [];
    await kubeStatusSource({ destination: "dev", kubeconfig, isolated: true }).requestReconcile({ namespace: "default", promise: "p", name: "missing" });
    assert.ok(patched.some((n) => n.includes("missing")));
  });
});
