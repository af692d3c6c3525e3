/**
 * A writer on the embedded store's own bare repository (`localRepo`): commits land directly with a
 * compare-and-swap ref update, are served over smart HTTP like any push, and race safely with writers
 * that push through the server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { GitWriter } from "../../../components/state-store";
import { startGitServer, type GitServer } from "../../support/git-server";
import { cloneWithCli, tempDir } from "./helpers";

describe("GitWriter on a local bare repository", () => {
  let server: GitServer;
  before(async () => {
    server = await startGitServer();
  });
  after(async () => server?.stop());

  test("writes land in the served repository; a remote writer and local writers racing lose nothing", async () => {
    const url = await server.createRepo("local");
    const repo = path.join(server.projectRoot, "local.git");
    const local = (n: number) => new GitWriter({ url, localRepo: repo, cacheDir: "/nonexistent", indexKustomizations: true, author: { name: `l${n}`, email: "l@x" } });
    const http = async () => new GitWriter({ url, auth: { username: server.username, password: server.password }, cacheDir: await tempDir("plinth-lw-"), indexKustomizations: true });
    const [a, b, c] = [local(1), local(2), await http()];
    const writes = [];
    for (let i = 0; i < 6; i++) {
      writes.push(a.writeDirectory({ dir: `dev/resources/default/p/a${i}/configure/aaaaa`, files: { "x.yaml": `a: ${i}\n` } }));
      writes.push(b.writeDirectory({ dir: `dev/resources/default/p/b${i}/configure/bbbbb`, files: { "x.yaml": `b: ${i}\n` } }));
      writes.push(c.writeDirectory({ dir: `dev/resources/default/p/c${i}/configure/ccccc`, files: { "x.yaml": `c: ${i}\n` } }));
    }
    const results = await Promise.all(writes);
    assert.ok(results.every((r) => r.changed && /^[0-9a-f]{40}$/.test(r.commit)));
    const view = await cloneWithCli(url, server.username, server.password);
    for (const w of ["a", "b", "c"]) for (let i = 0; i < 6; i++) assert.equal(view.files[`dev/resources/default/p/${w}${i}/configure/${w.repeat(5)}/x.yaml`], `${w}: ${i}\n`);
    const index = view.files["dev/resources/default/p/kustomization.yaml"];
    assert.ok(index, "local writers keep the kustomization index");

    const same = await a.writeDirectory({ dir: "dev/resources/default/p/a0/configure/aaaaa", files: { "x.yaml": "a: 0\n" } });
    assert.equal(same.changed, false, "identical content makes no commit");
    const removed = await a.removeDirectory({ dir: "dev/resources/default/p/c0/configure/ccccc" });
    assert.equal(removed.changed, true);
    const after = await cloneWithCli(url, server.username, server.password);
    assert.equal(Object.keys(after.files).filter((f) => f.includes("/c0/")).length, 0);
  });

  test("removing a placement after its destination's directory is gone recreates nothing there", async () => {
    const url = await server.createRepo("gone");
    const w = new GitWriter({ url, localRepo: path.join(server.projectRoot, "gone.git"), cacheDir: "/nonexistent", indexKustomizations: true });
    await w.ensureDestinationRoot({ dir: "dev" });
    await w.ensureDestinationRoot({ dir: "prod" });
    await w.writeDirectory({ dir: "dev/dependencies/ns/configure/aaaaa", files: { "x.yaml": "a: 1\n" } });
    await w.writeDirectory({ dir: "prod/dependencies/ns/configure/aaaaa", files: { "x.yaml": "a: 1\n" } });
    await w.removeDirectory({ dir: "dev" });
    const r = await w.removeDirectory({ dir: "dev/dependencies/ns/configure/aaaaa" });
    assert.equal(r.changed, false);
    const view = await cloneWithCli(url, server.username, server.password);
    assert.deepEqual(Object.keys(view.files).filter((f) => f.startsWith("dev/")), []);
    assert.ok(view.files["prod/dependencies/ns/configure/aaaaa/x.yaml"]);
    await w.removeDirectory({ dir: "prod/dependencies/ns/configure/aaaaa" });
    const emptied = await cloneWithCli(url, server.username, server.password);
    assert.ok(emptied.files["prod/dependencies/kustomization.yaml"], "a destination that is still there keeps its (empty) index");
  });
});
