/**
 * Scope branches point at small commits: a scope commit's tree holds only its directory (at the same
 * path), its parent is the store branch's commit it was cut from, and an unchanged write still answers
 * that commit of the store's branch.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GitWriter } from "../../../components/state-store";
import { withKustomization } from "../../../components/state-store/layout";

const FLUX = { namespace: "flux-system", destination: "dev", url: "http://git.example/store.git", interval: "10m" };
const cm = (name: string) => withKustomization({ "cm.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n` });

describe("scope commits", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-scope-commits-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const repo = path.join(dir, "store.git");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", repo]);
  const gitOut = (...args: string[]) => execFileSync("git", ["--git-dir", repo, ...args], { encoding: "utf8" }).trim();
  const files = (ref: string) => gitOut("ls-tree", "-r", "--name-only", ref).split("\n").filter(Boolean);
  const w = new GitWriter({ url: "http://git.example/store.git", localRepo: repo, cacheDir: "/nonexistent", basePath: "state" });
  const B = "refs/heads/plinth/state/dev";

  test("a scope branch's commit holds only its directory, cut from the store's commit", async () => {
    await w.ensureDestinationRoot({ dir: "dev", flux: FLUX });
    await w.writeDirectory({ dir: "dev/resources/default/redis/other/configure/aaaaa", files: cm("other") });
    const a = await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb", files: cm("cache"), serviceAccountName: "plinth-team-a" });
    const ref = `${B}/resources/team-a/redis/cache`;
    assert.deepEqual(files(ref), ["state/dev/resources/team-a/redis/cache/configure/bbbbb/cm.yaml", "state/dev/resources/team-a/redis/cache/configure/bbbbb/kustomization.yaml"]);
    assert.equal(gitOut("rev-parse", `${ref}^{tree}:state/dev/resources/team-a/redis/cache`), gitOut("rev-parse", `${a.commit}:state/dev/resources/team-a/redis/cache`), "the main tree's subtree is reused");
    assert.equal(gitOut("rev-parse", `${ref}^`), a.commit, "its parent is the store's commit");
    assert.equal(gitOut("log", "-1", "--format=%B", ref), gitOut("log", "-1", "--format=%B", a.commit));
    assert.ok(files(`${B}/dependencies`).every((f) => f.startsWith("state/dev/dependencies/")));
    const index = files(`${B}/flux/index`);
    assert.ok(index.length > 0 && index.every((f) => f.startsWith("state/dev/flux/")), "the index holds only the destination's flux directory");

    // An unchanged write answers the store's commit, not the scope commit.
    const same = await w.writeDirectory({ dir: "dev/resources/team-a/redis/cache/configure/bbbbb", files: cm("cache"), serviceAccountName: "plinth-team-a" });
    assert.deepEqual(same, { commit: a.commit, changed: false });
    assert.ok(await w.contains({ commit: gitOut("rev-parse", ref), ancestor: a.commit }), "the scope commit contains the store's commit");

    // Another request's write leaves this scope's commit alone.
    const before = gitOut("rev-parse", ref);
    await w.writeDirectory({ dir: "dev/resources/default/redis/other/configure/aaaaa", files: cm("other2") });
    assert.equal(gitOut("rev-parse", ref), before);
  });
});
