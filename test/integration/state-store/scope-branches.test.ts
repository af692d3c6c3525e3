/**
 * Isolated Flux revisions: with a flux index that names Flux's clone URL, every request (and the
 * destination's dependencies and index) has a scope branch moved only by the commits that change its
 * directory (to a commit holding only that directory, cut from the store's commit), in the same atomic
 * ref update as the store's branch — by a writer on the local bare repository
 * and by one pushing over smart HTTP.
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
import { ValidationError } from "../../../components/errors";
import { fluxShardOf, FLUX_INDEX_SHARDS } from "../../../components/state-store/flux-index";
import { startGitServer, type GitServer } from "../../support/git-server";
import { cloneWithCli, gitCli, tempDir } from "./helpers";

const cm = (name: string) => withKustomization({ "cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n` });
const FLUX = { namespace: "flux-system", destination: "dev", url: "http://git.example/store.git", interval: "10m" };

describe("scope branches (isolated Flux revisions)", () => {
  let server: GitServer;
  before(async () => {
    server = await startGitServer();
  });
  after(async () => server?.stop());

  async function refs(repo: string): Promise<Record<string, string>> {
    const out = await gitCli(["--git-dir", repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/"]);
    return Object.fromEntries(out.trim().split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
  }

  /** The store's commit a scope branch's commit was cut from (its parent; scope-commits.ts). */
  async function cut(repo: string, scopeCommit: string | undefined): Promise<string | undefined> {
    if (!scopeCommit) return undefined;
    const only = (await gitCli(["--git-dir", repo, "ls-tree", "--name-only", scopeCommit])).trim();
    assert.equal(only, "state", "a scope commit holds only the store's base path at its root");
    return (await gitCli(["--git-dir", repo, "rev-parse", `${scopeCommit}^`])).trim();
  }

  for (const mode of ["local", "http"] as const) {
    test(`${mode}: a commit moves only the scopes it changed; unchanged writes answer the scope's commit; removal deletes`, async () => {
      const url = await server.createRepo(`scopes-${mode}`);
      const repo = path.join(server.projectRoot, `scopes-${mode}.git`);
      const w =
        mode === "local"
          ? new GitWriter({ url, localRepo: repo, cacheDir: "/nonexistent", basePath: "state", indexKustomizations: true })
          : new GitWriter({ url, auth: { username: server.username, password: server.password }, cacheDir: await tempDir("plinth-scopes-"), basePath: "state", indexKustomizations: true });
      // A request written before the destination opts in gets its branch when it does.
      const early = await w.writeDirectory({ dir: "dev/resources/default/redis/early/configure/aaaaa", files: cm("early") });
      const root = await w.ensureDestinationRoot({ dir: "dev", flux: FLUX });
      let r = await refs(repo);
      const B = "refs/heads/plinth/state/dev";
      assert.equal(await cut(repo, r[`${B}/resources/default/redis/early`]), root.commit, "registration sets every scope");
      assert.equal(await cut(repo, r[`${B}/dependencies`]), root.commit);
      assert.equal(await cut(repo, r[`${B}/flux/index`]), root.commit);
      assert.equal(Object.keys(r).filter((k) => k.startsWith(`${B}/flux/shards/`)).length, FLUX_INDEX_SHARDS);
      assert.notEqual(early.commit, root.commit);
      const shard = `${B}/flux/shards/${fluxShardOf({ namespace: "team-a", promise: "redis", name: "cache" })}`;

      const a = await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb", files: cm("cache"), serviceAccountName: "plinth-team-a" });
      r = await refs(repo);
      assert.equal(r["refs/heads/main"], a.commit);
      assert.equal(await cut(repo, r[`${B}/resources/team-a/redis/cache`]), a.commit);
      assert.equal(await cut(repo, r[shard]), a.commit, "a new request changes its shard of the index");
      assert.equal(await cut(repo, r[`${B}/flux/index`]), root.commit, "the index of shards does not move");
      assert.equal(await cut(repo, r[`${B}/resources/default/redis/early`]), root.commit, "another request's branch does not move");
      assert.equal(await cut(repo, r[`${B}/dependencies`]), root.commit);

      // An update of the request's files moves its branch, not the index's (its entry is unchanged).
      const b = await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb", files: cm("cache2"), serviceAccountName: "plinth-team-a" });
      r = await refs(repo);
      assert.equal(await cut(repo, r[`${B}/resources/team-a/redis/cache`]), b.commit);
      assert.equal(await cut(repo, r[shard]), a.commit);
      const d = await w.writeDirectory({ dir: "dev/dependencies/redis/configure/ddddd", files: cm("crd") });
      r = await refs(repo);
      assert.equal(await cut(repo, r[`${B}/dependencies`]), d.commit);
      assert.equal(await cut(repo, r[`${B}/resources/team-a/redis/cache`]), b.commit);

      // Rewriting identical files answers the commit Flux applies for that request, not the head.
      const same = await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb", files: cm("cache2"), serviceAccountName: "plinth-team-a" });
      assert.deepEqual(same, { commit: b.commit, changed: false });

      if (mode === "http") {
        // Another writer (another replica, or a restart with an empty cache) has not fetched the scope
        // commit Flux applies: told its branch (from Flux's revision), it fetches it.
        const other = new GitWriter({ url, auth: { username: server.username, password: server.password }, cacheDir: await tempDir("plinth-scopes-other-"), basePath: "state" });
        const scoped = r[`${B}/resources/team-a/redis/cache`];
        assert.equal(await other.contains({ commit: scoped, ancestor: b.commit, branch: "plinth/state/dev/resources/team-a/redis/cache" }), true);
        assert.equal(await other.contains({ commit: scoped, ancestor: d.commit, branch: "plinth/state/dev/resources/team-a/redis/cache" }), false, "a later commit is not contained");
      }

      // The index builds: each request is a GitRepository on its branch (sparse) and its Kustomization.
      const view = await cloneWithCli(url, server.username, server.password);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-scopes-"));
      try {
        for (const [f, content] of Object.entries(view.files)) {
          fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
          fs.writeFileSync(path.join(dir, f), content);
        }
        const top = parseAllDocuments(execFileSync("kubectl", ["kustomize", path.join(dir, "state/dev/flux")], { encoding: "utf8" })).map((x) => x.toJS());
        assert.equal(top.length, 2 * FLUX_INDEX_SHARDS, "the index lists only its shards");
        const shardK = top.find((o) => o.kind === "Kustomization" && o.metadata.name === `dev-flux-${shard.split("/").pop()}`);
        assert.equal(shardK.spec.serviceAccountName, "kustomize-controller", "shards are applied as the platform");
        assert.equal(shardK.spec.path, `./state/dev/flux/shards/${shard.split("/").pop()}`);
        const built = parseAllDocuments(execFileSync("kubectl", ["kustomize", path.join(dir, shardK.spec.path)], { encoding: "utf8" })).map((x) => x.toJS());
        assert.equal(built.filter((o) => o.metadata.name === "dev-team-a-redis-cache").length, 2, "the request's source and Kustomization are in its shard");
        const src = built.find((o) => o.kind === "GitRepository" && o.metadata.name === "dev-team-a-redis-cache");
        assert.equal(src.metadata.namespace, "flux-system");
        assert.deepEqual(src.spec.ref, { branch: "plinth/state/dev/resources/team-a/redis/cache" });
        assert.equal(src.spec.url, FLUX.url);
        assert.deepEqual(src.spec.sparseCheckout, ["state/dev/resources/team-a/redis/cache"]);
        assert.deepEqual(src.spec.secretRef, { name: "plinth-state-store-auth" });
        const k = built.find((o) => o.kind === "Kustomization" && o.metadata.name === "dev-team-a-redis-cache");
        assert.deepEqual(k.spec.sourceRef, { kind: "GitRepository", name: "dev-team-a-redis-cache" });
        assert.equal(k.spec.serviceAccountName, "plinth-team-a");
        assert.equal(k.spec.path, "./state/dev/resources/team-a/redis/cache");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }

      // Removing the request deletes its branch and moves its shard's.
      const gone = await w.removeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb" });
      r = await refs(repo);
      assert.equal(r[`${B}/resources/team-a/redis/cache`], undefined);
      assert.equal(await cut(repo, r[shard]), gone.commit);
      assert.equal(await cut(repo, r[`${B}/resources/default/redis/early`]), root.commit);
    });
  }

  test("the store's branch cannot be where scope branches live", () => {
    assert.throws(() => new GitWriter({ url: "http://x/y.git", cacheDir: "/tmp/x", branch: "plinth/main" }), ValidationError);
  });
});
