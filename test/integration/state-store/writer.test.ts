import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import gitHttp from "isomorphic-git/http/node";
import { GitWriter, StateStoreCodes } from "../../../components/state-store";
import { PlinthError, ValidationError } from "../../../components/errors";
import { startGitServer, type GitServer } from "../../support/git-server";
import { cloneWithCli, tempDir, under } from "./helpers";

describe("GitWriter against a real git http-backend", () => {
  let server: GitServer;
  const dirs: string[] = [];
  let n = 0;

  async function newWriter(url: string, extra: Partial<ConstructorParameters<typeof GitWriter>[0]> = {}): Promise<GitWriter> {
    const cacheDir = await tempDir("plinth-cache-");
    dirs.push(cacheDir);
    return new GitWriter({ url, auth: { username: server.username, password: server.password }, cacheDir, ...extra });
  }
  async function newRepo(): Promise<string> {
    return server.createRepo(`store-${++n}`);
  }
  const clone = (url: string) => cloneWithCli(url, server.username, server.password);

  before(async () => {
    server = await startGitServer();
  });
  after(async () => {
    await server.stop();
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  test("first write on an empty remote creates the branch with exactly the files", async () => {
    const url = await newRepo();
    const w = await newWriter(url, { basePath: "store" });
    assert.equal(await w.head(), undefined);
    const dir = "dev/resources/default/namespace/a/configure/abc12";
    const files = { "namespace.yaml": "kind: Namespace\n", "nested/cm.yaml": "kind: ConfigMap\n" };
    const r = await w.writeDirectory({ dir, files });
    assert.equal(r.changed, true);
    assert.match(r.commit, /^[0-9a-f]{40}$/);
    const view = await clone(url);
    assert.equal(view.head, r.commit);
    assert.deepEqual(view.files, { [`store/${dir}/namespace.yaml`]: "kind: Namespace\n", [`store/${dir}/nested/cm.yaml`]: "kind: ConfigMap\n" });
    assert.equal(view.subjects[0], `plinth: write store/${dir}`);
    assert.deepEqual(await w.readDirectory({ dir }), files);
    assert.deepEqual(await w.list({ dir: "dev" }), ["resources/default/namespace/a/configure/abc12/namespace.yaml", "resources/default/namespace/a/configure/abc12/nested/cm.yaml"]);
    assert.equal(await w.head(), r.commit);
  });

  test("rewriting with fewer files drops the others; identical content makes no commit", async () => {
    const url = await newRepo();
    const w = await newWriter(url);
    await w.writeDirectory({ dir: "d/x", files: { a: "1", b: "2", "sub/c": "3" } });
    const second = await w.writeDirectory({ dir: "d/x", files: { a: "1*" } });
    assert.equal(second.changed, true);
    let view = await clone(url);
    assert.deepEqual(view.files, { "d/x/a": "1*" });
    assert.equal(view.commits, 2);
    const again = await w.writeDirectory({ dir: "d/x", files: { a: "1*" } });
    assert.deepEqual(again, { commit: second.commit, changed: false });
    view = await clone(url);
    assert.equal(view.commits, 2);
    assert.equal(view.head, second.commit);
  });

  test("removeDirectory removes exactly that directory and empty parents, keeps siblings", async () => {
    const url = await newRepo();
    const w = await newWriter(url);
    await w.writeDirectory({ dir: "dev/resources/ns/p/one/configure/aaaaa", files: { "x.yaml": "1" } });
    await w.writeDirectory({ dir: "dev/resources/ns/p/two/configure/bbbbb", files: { "y.yaml": "2" } });
    await w.writeDirectory({ dir: "dev/resources/ns/p/one-more/configure/ccccc", files: { "z.yaml": "3" } });
    const r = await w.removeDirectory({ dir: "dev/resources/ns/p/one/configure/aaaaa" });
    assert.equal(r.changed, true);
    const view = await clone(url);
    assert.deepEqual(view.files, { "dev/resources/ns/p/two/configure/bbbbb/y.yaml": "2", "dev/resources/ns/p/one-more/configure/ccccc/z.yaml": "3" });
    assert.equal(view.subjects[0], "plinth: remove dev/resources/ns/p/one/configure/aaaaa");
    const gone = await w.removeDirectory({ dir: "dev/resources/ns/p/one/configure/aaaaa" });
    assert.deepEqual(gone, { commit: r.commit, changed: false });
    assert.equal(await w.readDirectory({ dir: "dev/resources/ns/p/one" }), undefined);
  });

  test("unsafe paths are rejected with a ValidationError naming the path and nothing changes", async () => {
    const url = await newRepo();
    const w = await newWriter(url);
    const first = await w.writeDirectory({ dir: "a", files: { f: "1" } });
    const bad: [string, Record<string, string>][] = [
      ["../escape", { f: "x" }],
      ["a/../../etc", { f: "x" }],
      ["/abs", { f: "x" }],
      ["a//b", { f: "x" }],
      [".git/hooks", { f: "x" }],
      ["ok", { "../../f": "x" }],
      ["ok", { "sub/.GIT/config": "x" }],
      ["", { f: "x" }],
    ];
    for (const [dir, files] of bad) {
      await assert.rejects(w.writeDirectory({ dir, files }), (err: unknown) => {
        assert.ok(err instanceof ValidationError, `${dir}: ${String(err)}`);
        assert.equal(err.code, StateStoreCodes.InvalidPath);
        assert.equal(err.status, 422);
        const shown = dir.includes("..") || dir === "" || dir.startsWith("/") || dir.includes("//") || dir.includes(".git") ? dir : Object.keys(files)[0];
        assert.ok(err.message.includes(JSON.stringify(shown)), err.message);
        return true;
      });
    }
    await assert.rejects(w.removeDirectory({ dir: "a/.." }), ValidationError);
    await assert.rejects(w.writeDirectory({ dir: "ok", files: { f: 42 as unknown as string } }), (e: unknown) => e instanceof ValidationError && e.issues[0].path.join(".") === "files.f");
    assert.throws(() => new GitWriter({ url, cacheDir: "/tmp/x", basePath: "../up" }), ValidationError);
    const view = await clone(url);
    assert.equal(view.commits, 1);
    assert.equal(view.head, first.commit);
    assert.deepEqual(view.files, { "a/f": "1" });
  });

  test("20 concurrent writes on one writer go out as group commits; every file lands", async () => {
    const url = await newRepo();
    const w = await newWriter(url);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => w.writeDirectory({ dir: `dev/resources/ns/p/r${i}/configure/id${i}`, files: { "cm.yaml": `n: ${i}\n` } })),
    );
    assert.ok(results.every((r) => r.changed));
    const commits = new Set(results.map((r) => r.commit));
    const view = await clone(url);
    assert.ok(view.commits < 20, `expected fewer than 20 commits, got ${view.commits}`);
    assert.equal(view.commits, commits.size);
    assert.equal(w.commitsPushed, commits.size);
    for (let i = 0; i < 20; i++) assert.equal(view.files[`dev/resources/ns/p/r${i}/configure/id${i}/cm.yaml`], `n: ${i}\n`);
    assert.match(view.subjects.join("\n"), /\(\+\d+ more\)/);
  });

  test("two writers with separate caches writing concurrently lose nothing", async () => {
    const url = await newRepo();
    const a = await newWriter(url);
    const b = await newWriter(url);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      // Sequential per writer (no grouping) so the two keep racing each other on the branch.
      ops.push((async () => { await sleepRandom(); return a.writeDirectory({ dir: `a/${i}`, files: { f: `a${i}` } }); })());
      ops.push((async () => { await sleepRandom(); return b.writeDirectory({ dir: `b/${i}`, files: { f: `b${i}` } }); })());
    }
    await Promise.all(ops);
    const view = await clone(url);
    for (let i = 0; i < 10; i++) {
      assert.equal(view.files[`a/${i}/f`], `a${i}`);
      assert.equal(view.files[`b/${i}/f`], `b${i}`);
    }
    assert.equal(Object.keys(view.files).length, 20);
    assert.equal(view.commits, a.commitsPushed + b.commitsPushed);
  });

  test("operations queued while a push is in flight go out together as the next single commit", async () => {
    const url = await newRepo();
    const w = await newWriter(url);
    const first = w.writeDirectory({ dir: "g/0", files: { f: "0" } });
    await new Promise((r) => setImmediate(r)); // the first batch has started
    await new Promise((r) => setImmediate(r));
    const rest = Array.from({ length: 5 }, (_, i) => w.writeDirectory({ dir: `g/${i + 1}`, files: { f: String(i + 1) } }));
    const [r0, ...rs] = await Promise.all([first, ...rest]);
    assert.equal(new Set(rs.map((r) => r.commit)).size, 1);
    assert.notEqual(rs[0].commit, r0.commit);
    const view = await clone(url);
    assert.equal(view.commits, 2);
    assert.equal(view.subjects[0], "plinth: write g/1 (+4 more)");
    assert.equal(Object.keys(view.files).length, 6);
  });

  test("a push that loses the race refetches, rebuilds on the new head and keeps both writes", async () => {
    const url = await newRepo();
    const b = await newWriter(url);
    await b.writeDirectory({ dir: "seed", files: { f: "0" } });
    let raced = false;
    // Injected HTTP client: just before A's first push, B commits, so A's compare-and-swap must fail.
    const racingHttp = {
      async request(req: Parameters<typeof gitHttp.request>[0]) {
        if (!raced && req.url.endsWith("/git-receive-pack")) {
          raced = true;
          await b.writeDirectory({ dir: "from-b", files: { f: "b" } });
        }
        return gitHttp.request(req);
      },
    };
    const a = await newWriter(url, { http: racingHttp });
    const r = await a.writeDirectory({ dir: "from-a", files: { f: "a" } });
    assert.equal(r.changed, true);
    assert.equal(a.pushRejections, 1);
    const view = await clone(url);
    assert.equal(view.head, r.commit);
    assert.deepEqual(view.files, { "seed/f": "0", "from-b/f": "b", "from-a/f": "a" });
    assert.equal(view.commits, 3);
  });

  test("a writer with a stale cache keeps other writers' commits and re-checks no-ops against the remote", async () => {
    const url = await newRepo();
    const a = await newWriter(url);
    const b = await newWriter(url);
    await a.writeDirectory({ dir: "x", files: { f: "1" } });
    await b.writeDirectory({ dir: "y", files: { f: "2" } });
    await a.removeDirectory({ dir: "y" });
    assert.deepEqual(await b.readDirectory({ dir: "" }), { "x/f": "1" });
    // A's cache still has x/f = "1"; B removes it; A writing the same content must not be taken as a no-op.
    await b.removeDirectory({ dir: "x" });
    const again = await a.writeDirectory({ dir: "x", files: { f: "1" } });
    assert.equal(again.changed, true);
    const view = await clone(url);
    assert.deepEqual(view.files, { "x/f": "1" });
    assert.equal(view.head, again.commit);
    assert.equal(view.commits, 5);
    assert.equal(a.pushRejections, 0, "no-ops on a stale head are confirmed by a fetch, not a failed push");
    // A stale head that does change something is caught by the compare-and-swap push, then rebuilt.
    await b.writeDirectory({ dir: "w", files: { f: "b" } });
    await a.writeDirectory({ dir: "z", files: { f: "a" } });
    assert.equal(a.pushRejections, 1);
    assert.deepEqual(await b.readDirectory({ dir: "" }), { "w/f": "b", "x/f": "1", "z/f": "a" });
  });

  test("a directory cannot replace a file it does not own", async () => {
    const url = await newRepo();
    const w = await newWriter(url);
    await w.writeDirectory({ dir: "p", files: { leaf: "1" } });
    const [bad, good] = await Promise.allSettled([w.writeDirectory({ dir: "p/leaf/sub", files: { f: "x" } }), w.writeDirectory({ dir: "q", files: { f: "y" } })]);
    assert.equal(bad.status, "rejected");
    assert.equal((bad as PromiseRejectedResult).reason.code, StateStoreCodes.PathConflict);
    assert.equal(good.status, "fulfilled");
    const view = await clone(url);
    assert.deepEqual(view.files, { "p/leaf": "1", "q/f": "y" });
    assert.deepEqual(under(view.files, "q"), { f: "y" });
  });

  test("unreachable remote and bad credentials give coded RemoteErrors naming the URL, never the password", async () => {
    const url = await newRepo();
    const w = await newWriter("http://127.0.0.1:1/git/none.git");
    await assert.rejects(w.writeDirectory({ dir: "a", files: { f: "1" } }), (err: unknown) => {
      assert.ok(err instanceof PlinthError);
      assert.equal(err.code, StateStoreCodes.Unreachable);
      assert.equal(err.status, 502);
      assert.ok(err.message.includes("http://127.0.0.1:1/git/none.git"), err.message);
      return true;
    });
    const cacheDir = await tempDir("plinth-cache-");
    dirs.push(cacheDir);
    const secret = "definitely-wrong-password";
    const bad = new GitWriter({ url, cacheDir, auth: { username: server.username, password: secret } });
    await assert.rejects(bad.writeDirectory({ dir: "a", files: { f: "1" } }), (err: unknown) => {
      assert.ok(err instanceof PlinthError);
      assert.equal(err.code, StateStoreCodes.AuthFailed);
      assert.ok(err.message.includes(url), err.message);
      assert.ok(!JSON.stringify(err.toJSON()).includes(secret));
      return true;
    });
    const missing = await newWriter(server.url("no-such-repo"));
    await assert.rejects(missing.head(), (err: unknown) => (err as PlinthError).code === StateStoreCodes.Unreachable);
    assert.equal(await (await newWriter(url)).head(), undefined);
  });
});

function sleepRandom(): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * 30));
}
