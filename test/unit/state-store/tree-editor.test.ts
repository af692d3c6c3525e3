import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as git from "isomorphic-git";
import { TreeEditor, toFileTree, EMPTY_TREE } from "../../../components/state-store/tree-editor";
import { buildPlacementTree } from "../../../components/state-store/bench";
import { parseCgiHead, splitCgiHead } from "../../../components/state-store/cgi";
import { authHeaders, parsePktLines } from "../../../components/state-store/remote";
import { parseBasicAuth, redactUrl } from "../../../components/state-store";

const split = (p: string) => p.split("/");

describe("TreeEditor (object API, no working tree)", () => {
  const gitdir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-tree-"));
  after(() => fs.rmSync(gitdir, { recursive: true, force: true }));
  const store = { fs, gitdir, cache: {} };

  test("an edit in a big tree rewrites only the trees on the changed path", async () => {
    await git.init({ fs, gitdir, bare: true });
    const root = await buildPlacementTree(gitdir, 100); // 10 namespaces × 10 requests
    const editor = new TreeEditor(store, root);
    const dir = split("dev/resources/ns-3/app/new-one/configure/abcde");
    assert.equal(await editor.setDirectory(dir, toFileTree({ "cm.yaml": "x", "k/k.yaml": "y" }, split), "dir"), true);
    const newRoot = await editor.writeRoot();
    assert.notEqual(newRoot, root);
    // 2 blobs + 4 trees of the new directory (k, abcde, configure, new-one) + 5 trees on the path (app, ns-3, resources, dev, root)
    assert.equal(editor.written.size, 11);

    const check = new TreeEditor(store, newRoot);
    assert.deepEqual(await check.readDirectory(dir, "dir"), { "cm.yaml": "x", "k/k.yaml": "y" });
    assert.equal((await check.list(split("dev/resources"), "dir")).length, 102);
    const [idFile] = await check.list(split("dev/resources/ns-0/app/r-0/configure"), "d");
    assert.match(idFile, /^[0-9a-f]{5}\/cm\.yaml$/);
    assert.deepEqual(await check.readDirectory(split("dev/resources/ns-0/app/r-0"), "dir"), { [`configure/${idFile}`]: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: r-0\n" });
  });

  test("readFile and removeFile touch one file and leave its siblings", async () => {
    const e = new TreeEditor(store, undefined);
    await e.setDirectory(split("d/flux"), toFileTree({ "a.yaml": "a", "b.yaml": "b" }, split), "d");
    assert.equal(await e.readFile(split("d/flux/a.yaml"), "d"), "a");
    assert.equal(await e.readFile(split("d/flux/none.yaml"), "d"), undefined);
    assert.equal(await e.readFile(split("d/flux"), "d"), undefined, "a directory is not a file");
    assert.equal(await e.removeFile(split("d/flux/a.yaml"), "d"), true);
    assert.equal(await e.removeFile(split("d/flux/a.yaml"), "d"), false);
    await assert.rejects(e.removeFile(split("d/flux"), "d"), /it is a directory/);
    const root = await e.writeRoot();
    assert.deepEqual(await new TreeEditor(store, root).readDirectory(split("d"), "d"), { "flux/b.yaml": "b" });
  });

  test("identical content is no change; removal prunes empty parents only", async () => {
    const e = new TreeEditor(store, undefined);
    await e.setDirectory(split("a/b/c"), toFileTree({ f: "1" }, split), "d");
    await e.setDirectory(split("a/x"), toFileTree({ g: "2" }, split), "d");
    const r1 = await e.writeRoot();
    const e2 = new TreeEditor(store, r1);
    assert.equal(await e2.setDirectory(split("a/b/c"), toFileTree({ f: "1" }, split), "d"), false);
    assert.equal(await e2.writeRoot(), r1);
    assert.equal(await e2.removeDirectory(split("a/b/c"), "d"), true);
    assert.deepEqual(await e2.list([], "d"), ["a/x/g"]);
    assert.equal(await e2.removeDirectory(split("a/x"), "d"), true);
    assert.equal(await e2.writeRoot(), EMPTY_TREE);
    assert.equal(await e2.removeDirectory(split("nope/x"), "d"), false);
  });

  test("files given as both a file and a directory are refused", () => {
    assert.throws(() => toFileTree({ a: "1", "a/b": "2" }, split), /both a file and a directory/);
  });
});

describe("protocol helpers", () => {
  test("CGI head: Status line, headers, CRLF or LF", () => {
    const buf = Buffer.from("Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbody");
    const s = splitCgiHead(buf)!;
    assert.equal(buf.subarray(s.bodyStart).toString(), "body");
    assert.deepEqual(parseCgiHead(s.headText), { status: 404, statusText: "Not Found", headers: [["Content-Type", "text/plain"]] });
    const lf = splitCgiHead(Buffer.from("Content-Type: a/b\nExpires: 0\n\nxyz"))!;
    assert.deepEqual(parseCgiHead(lf.headText), { status: 200, headers: [["Content-Type", "a/b"], ["Expires", "0"]] });
    assert.equal(splitCgiHead(Buffer.from("Content-Type: a/b\r\n")), undefined);
    assert.equal(parseCgiHead("Location: /x").status, 302);
  });

  test("pkt-lines, basic auth and URL redaction", () => {
    assert.deepEqual(parsePktLines(Buffer.from("000eunpack ok\n0017ok refs/heads/main\n0000")), ["unpack ok", "ok refs/heads/main"]);
    const h = authHeaders({ username: "u", password: "p:w" });
    assert.deepEqual(parseBasicAuth(h.Authorization), { username: "u", password: "p:w" });
    assert.equal(parseBasicAuth("Bearer x"), undefined);
    assert.equal(parseBasicAuth(undefined), undefined);
    assert.deepEqual(parseBasicAuth(authHeaders({ token: "t0k" }).Authorization), { username: "x-access-token", password: "t0k" });
    assert.equal(redactUrl("https://me:secret@git.example/repo.git"), "https://git.example/repo.git");
  });
});
