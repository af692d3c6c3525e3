/**
 * The per-request Flux index of a cluster destination: `<dest>/flux/` holds one Flux Kustomization per
 * request directory under `<dest>/resources/`, kept in step by every write and removal, and the whole
 * directory builds with `kubectl kustomize` into Kustomizations in the Flux namespace.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { GitWriter } from "../../../components/state-store";
import { withKustomization } from "../../../components/state-store/layout";
import { requestDirOf, requestKustomizationName } from "../../../components/state-store/flux-index";
import { startGitServer, type GitServer } from "../../support/git-server";
import { cloneWithCli } from "./helpers";

describe("per-request Flux index", () => {
  let server: GitServer;
  before(async () => {
    server = await startGitServer();
  });
  after(async () => server?.stop());

  test("requestDirOf and names", () => {
    assert.deepEqual(requestDirOf("eu/edge/resources/team-a/redis/cache/configure/abcde"), { destinationPath: "eu/edge", namespace: "team-a", promise: "redis", name: "cache" });
    assert.equal(requestDirOf("dev/dependencies/redis/configure/abcde"), undefined);
    assert.equal(requestKustomizationName("dev", { namespace: "default", promise: "redis", name: "cache" }), "dev-default-redis-cache");
    const long = requestKustomizationName("dev", { namespace: "n".repeat(40), promise: "postgresql", name: "m".repeat(40) });
    assert.equal(long.length, 63);
    assert.match(long, /^dev-n+-[a-z-]*-[0-9a-f]{10}$/);
  });

  test("writes and removals keep one Kustomization per request; kubectl kustomize builds it", async () => {
    const url = await server.createRepo("flux-index");
    const repo = path.join(server.projectRoot, "flux-index.git");
    const w = new GitWriter({ url, localRepo: repo, cacheDir: "/nonexistent", basePath: "state", indexKustomizations: true });
    // A request written before the destination opts in is indexed when it does.
    await w.writeDirectory({ dir: "dev/resources/default/redis/early/configure/aaaaa", files: withKustomization({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n" }) });
    await w.ensureDestinationRoot({ dir: "dev", flux: { namespace: "flux-system", destination: "dev" } });
    await w.ensureDestinationRoot({ dir: "prod" });
    await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb", files: withKustomization({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n" }), serviceAccountName: "plinth-team-a" });
    await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/notify/ccccc", files: withKustomization({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm2\n" }), serviceAccountName: "plinth-team-a" });
    await w.writeDirectory({ dir: "prod/resources/default/redis/other/configure/ddddd", files: withKustomization({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n" }) });

    let view = await cloneWithCli(url, server.username, server.password);
    const flux = Object.keys(view.files).filter((f) => f.startsWith("state/dev/flux/")).sort();
    assert.deepEqual(flux, ["state/dev/flux/dev-default-redis-early.yaml", "state/dev/flux/dev-team-a-redis-cache.yaml", "state/dev/flux/kustomization.yaml"]);
    assert.equal(Object.keys(view.files).filter((f) => f.startsWith("state/prod/flux/")).length, 0, "a destination without flux gets no index");

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-fi-"));
    try {
      for (const [f, content] of Object.entries(view.files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), content);
      }
      const built = parseAllDocuments(execFileSync("kubectl", ["kustomize", path.join(dir, "state/dev/flux")], { encoding: "utf8" })).map((d) => d.toJS());
      assert.equal(built.length, 2);
      const cache = built.find((o) => o.metadata.name === "dev-team-a-redis-cache");
      assert.equal(cache.kind, "Kustomization");
      assert.equal(cache.apiVersion, "kustomize.toolkit.fluxcd.io/v1");
      assert.equal(cache.metadata.namespace, "flux-system");
      assert.equal(cache.metadata.labels["plinth.dev/destination"], "dev");
      assert.equal(cache.spec.path, "./state/dev/resources/team-a/redis/cache");
      assert.equal(cache.spec.prune, true);
      assert.deepEqual(cache.spec.dependsOn, [{ name: "dev-dependencies" }]);
      assert.deepEqual(cache.spec.sourceRef, { kind: "GitRepository", name: "plinth-state-store" });
      assert.equal(cache.spec.serviceAccountName, "plinth-team-a", "applied as the request's team");
      assert.equal(built.find((o) => o.metadata.name === "dev-default-redis-early").spec.serviceAccountName, undefined, "no team: Flux's locked-down default account");
      // The path it points at builds too (the request's own index).
      const objs = execFileSync("kubectl", ["kustomize", path.join(dir, "state/dev/resources/team-a/redis/cache")], { encoding: "utf8" });
      assert.match(objs, /ConfigMap/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    // Removing one of two pipelines keeps the request's Kustomization; removing the last drops it.
    await w.removeDirectory({ dir: "dev/resources/team-a/redis/cache/notify/ccccc" });
    view = await cloneWithCli(url, server.username, server.password);
    assert.match(view.files["state/dev/flux/dev-team-a-redis-cache.yaml"], /^ {2}serviceAccountName: plinth-team-a$/m, "keeps its account");
    // Re-registering the destination rebuilds the index and keeps each request's account.
    await w.ensureDestinationRoot({ dir: "dev", flux: { namespace: "flux-system", destination: "dev" } });
    view = await cloneWithCli(url, server.username, server.password);
    assert.match(view.files["state/dev/flux/dev-team-a-redis-cache.yaml"], /^ {2}serviceAccountName: plinth-team-a$/m);
    await assert.rejects(w.writeDirectory({ dir: "dev/resources/x/y/z/configure/eeeee", files: {}, serviceAccountName: "Bad Name" }), /serviceAccountName/);
    await w.removeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb" });
    view = await cloneWithCli(url, server.username, server.password);
    assert.equal(view.files["state/dev/flux/dev-team-a-redis-cache.yaml"], undefined);
    assert.doesNotMatch(view.files["state/dev/flux/kustomization.yaml"], /cache/);
    assert.match(view.files["state/dev/flux/kustomization.yaml"], /dev-default-redis-early\.yaml/);

    // Opting out removes the index.
    await w.ensureDestinationRoot({ dir: "dev" });
    view = await cloneWithCli(url, server.username, server.password);
    assert.equal(Object.keys(view.files).filter((f) => f.startsWith("state/dev/flux/")).length, 0);
  });

  test("health checks: a write asking for them makes the request's Kustomization wait; removals and rebuilds keep them; a write without drops them", async () => {
    const url = await server.createRepo("flux-index-health");
    const repo = path.join(server.projectRoot, "flux-index-health.git");
    const w = new GitWriter({ url, localRepo: repo, cacheDir: "/nonexistent", basePath: "state", indexKustomizations: true });
    const flux = { namespace: "flux-system", destination: "dev", timeout: "1m" };
    await w.ensureDestinationRoot({ dir: "dev", flux });
    const cm = (n: string) => withKustomization({ "cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n` });
    const entry = "state/dev/flux/dev-default-web-app.yaml";
    const read = async () => (await cloneWithCli(url, server.username, server.password)).files[entry];
    await w.writeDirectory({ dir: "dev/resources/default/web/app/configure/aaaaa", files: cm("a"), health: { timeout: "15s" } });
    await w.writeDirectory({ dir: "dev/resources/default/web/app/notify/bbbbb", files: cm("b"), health: { timeout: "15s" } });
    let k = await read();
    assert.match(k, /^ {2}wait: true$/m);
    assert.match(k, /^ {2}timeout: 15s$/m, "the Promise's timeout, not the destination's");
    await w.removeDirectory({ dir: "dev/resources/default/web/app/notify/bbbbb" });
    k = await read();
    assert.match(k, /^ {2}wait: true$/m, "removing part of the request keeps its health checks");
    assert.match(k, /^ {2}timeout: 15s$/m);
    await w.ensureDestinationRoot({ dir: "dev", flux: { ...flux, timeout: "2m" } });
    k = await read();
    assert.match(k, /^ {2}wait: true$/m, "rebuilding the index keeps them");
    assert.match(k, /^ {2}timeout: 15s$/m);
    await w.writeDirectory({ dir: "dev/resources/default/web/app/configure/aaaaa", files: cm("a2"), health: {} });
    assert.match(await read(), /^ {2}timeout: 2m$/m, "no timeout of its own: the destination's");
    await w.writeDirectory({ dir: "dev/resources/default/web/app/configure/aaaaa", files: cm("a3") });
    assert.doesNotMatch(await read(), /wait:/, "the Promise no longer asks for health checks");
    await assert.rejects(w.writeDirectory({ dir: "dev/resources/default/web/app/configure/aaaaa", files: cm("a4"), health: { timeout: "soon" } }), /health\.timeout.*Go duration/);
  });
});
