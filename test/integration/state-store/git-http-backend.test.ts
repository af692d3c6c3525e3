import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import * as git from "isomorphic-git";
import gitHttp from "isomorphic-git/http/node";
import { createGitHttpHandler } from "../../../components/state-store";
import { startGitServer, type GitServer } from "../../support/git-server";
import { cloneWithCli, gitCli, tempDir } from "./helpers";

const author = { name: "Test", email: "test@localhost" };

async function commitWithIsoGit(dir: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
    await git.add({ fs, dir, filepath: p });
  }
  return git.commit({ fs, dir, message, author });
}

function pkt(s: string): string {
  return (s.length + 4).toString(16).padStart(4, "0") + s;
}

describe("smart-HTTP git server (git http-backend over CGI)", () => {
  let server: GitServer;
  const temps: string[] = [];
  before(async () => {
    server = await startGitServer();
  });
  after(async () => {
    await server.stop();
    for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
    assert.equal(fs.existsSync(server.projectRoot), false, "stop() removes the server's temp dir");
  });

  test("isomorphic-git pushes through the server and a git CLI clone sees that commit", async () => {
    const url = await server.createRepo("iso");
    const dir = await tempDir("plinth-work-");
    temps.push(dir);
    await git.init({ fs, dir, defaultBranch: "main" });
    const oid = await commitWithIsoGit(dir, { "README.md": "hello\n", "k8s/ns.yaml": "kind: Namespace\n" }, "first");
    const res = await git.push({ fs, http: gitHttp, dir, url, ref: "main", onAuth: () => ({ username: server.username, password: server.password }) });
    assert.equal(res.ok, true);
    const view = await cloneWithCli(url, server.username, server.password);
    assert.equal(view.head, oid);
    assert.deepEqual(view.files, { "README.md": "hello\n", "k8s/ns.yaml": "kind: Namespace\n" });
    assert.deepEqual(view.subjects, ["first"]);
  });

  test("wrong or missing password → 401 with a Basic challenge, and nothing is pushed", async () => {
    const url = await server.createRepo("guarded");
    const dir = await tempDir("plinth-work-");
    temps.push(dir);
    await git.init({ fs, dir, defaultBranch: "main" });
    await commitWithIsoGit(dir, { f: "x" }, "should not land");
    await assert.rejects(
      git.push({ fs, http: gitHttp, dir, url, ref: "main", onAuth: () => ({ username: server.username, password: "wrong" }) }),
      (err: { code?: string; data?: { statusCode?: number } }) => err.code === "HttpError" && err.data?.statusCode === 401,
    );
    const refs = await fetch(`${url}/info/refs?service=git-receive-pack`);
    assert.equal(refs.status, 401);
    assert.equal(refs.headers.get("www-authenticate"), 'Basic realm="plinth"');
    await refs.arrayBuffer();
    // A raw receive-pack POST with a wrong password must not reach git either.
    const wrong = Buffer.from(`${server.username}:nope`).toString("base64");
    const post = await fetch(`${url}/git-receive-pack`, { method: "POST", headers: { Authorization: `Basic ${wrong}`, "Content-Type": "application/x-git-receive-pack-request" }, body: "0000" });
    assert.equal(post.status, 401);
    await post.arrayBuffer();
    const bare = path.join(server.projectRoot, "guarded.git");
    assert.equal((await gitCli(["--git-dir", bare, "for-each-ref"])).trim(), "");
    assert.equal((await gitCli(["--git-dir", bare, "count-objects"])).trim(), "0 objects, 0 kilobytes");
  });

  test("answers info/refs with the CGI's content type and unknown repos with git's 404", async () => {
    const url = await server.createRepo("adv");
    const auth = { Authorization: `Basic ${Buffer.from(`${server.username}:${server.password}`).toString("base64")}` };
    const ok = await fetch(`${url}/info/refs?service=git-upload-pack`, { headers: auth });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("content-type"), "application/x-git-upload-pack-advertisement");
    assert.match(await ok.text(), /^001e# service=git-upload-pack\n0000/);
    const missing = await fetch(`${server.url("nope")}/info/refs?service=git-upload-pack`, { headers: auth });
    assert.equal(missing.status, 404);
    await missing.arrayBuffer();
    const escape = await fetch(`http://127.0.0.1:${server.port}/git/%2e%2e/etc/info/refs`, { headers: auth });
    assert.equal(escape.status, 404);
    await escape.arrayBuffer();
  });

  test("gzip-encoded upload-pack requests are inflated before git sees them", async () => {
    const url = await server.createRepo("gz");
    const dir = await tempDir("plinth-work-");
    temps.push(dir);
    await git.init({ fs, dir, defaultBranch: "main" });
    const oid = await commitWithIsoGit(dir, { a: "gzip me\n" }, "gz");
    await git.push({ fs, http: gitHttp, dir, url, ref: "main", onAuth: () => ({ username: server.username, password: server.password }) });
    const body = gzipSync(Buffer.from(pkt(`want ${oid} ofs-delta\n`) + "0000" + pkt("done\n")));
    const res = await fetch(`${url}/git-upload-pack`, {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`${server.username}:${server.password}`).toString("base64")}`,
        "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip",
      },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-git-upload-pack-result");
    const out = Buffer.from(await res.arrayBuffer());
    assert.equal(out.subarray(0, 8).toString(), "0008NAK\n");
    assert.equal(out.subarray(8, 12).toString(), "PACK");
  });

  test("the handler declines paths outside its prefix so it can share a server", async () => {
    const handler = createGitHttpHandler({ projectRoot: server.projectRoot, prefix: "/repos" });
    const srv = http.createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(418).end("mine");
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    try {
      const port = (srv.address() as AddressInfo).port;
      const other = await fetch(`http://127.0.0.1:${port}/api/health`);
      assert.equal(other.status, 418);
      assert.equal(await other.text(), "mine");
      // No authenticate option: anonymous read through the other prefix works.
      const refs = await fetch(`http://127.0.0.1:${port}/repos/iso.git/info/refs?service=git-upload-pack`);
      assert.equal(refs.status, 200);
      assert.match(await refs.text(), /refs\/heads\/main/);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
