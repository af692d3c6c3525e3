import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { main as plinth } from "../../../cli/main";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const run = promisify(execFile);
const config = (cpu: string) => ({
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "namespace", config: { defaultQuota: { cpu, memory: "4Gi" } } }],
  teams: [{ name: "dev", namespaces: ["default", "one", "two"] }],
});

type Got = { status: { files: { path: string }[]; drift?: { count: number }; promiseRevision?: string; promiseVersion?: string; conditions: { type: string; status: string }[] } };

describe("promise lifecycle: drift repair and re-runs on promise changes", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const get = async (name: string) => (await (await call("GET", `/v1/requests/default/TeamNamespace/${name}`)).json()) as Got;
  const git = (cwd: string, ...args: string[]) => run("git", ["-c", "user.name=someone", "-c", "user.email=someone@example.com", ...args], { cwd });

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config("2"));
    await t.platform.serve({ retryBaseMs: 50 });
    for (const name of ["one", "two"]) {
      assert.equal((await call("POST", "/v1/requests", { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name }, spec: { team: "a" } })).status, 202);
    }
    await t.platform.service!.idle();
  });
  after(async () => t?.cleanup());

  test("a hand edit and a hand deletion in Git are restored by the next reconcile, and the drift is recorded", async () => {
    const one = await get("one");
    const two = await get("two");
    const edited = one.status.files.find((f) => f.path.endsWith("namespace.yaml"))!.path;
    const deletedDir = path.dirname(two.status.files[0].path);
    const clone = await t.clone();
    const original = fs.readFileSync(path.join(clone, edited), "utf8");
    fs.writeFileSync(path.join(clone, edited), original + "# edited by hand\n");
    fs.rmSync(path.join(clone, deletedDir), { recursive: true });
    fs.writeFileSync(path.join(clone, "dev/resources/default/stray.yaml"), "kind: ConfigMap\n");
    await git(clone, "add", "-A");
    await git(clone, "commit", "-qam", "hand edits");
    await git(clone, "push", "-q", "origin", "main");

    for (const name of ["one", "two"]) assert.equal((await call("POST", `/v1/requests/default/TeamNamespace/${name}/reconcile`)).status, 202);
    await t.platform.service!.idle();

    const after = await t.clone();
    assert.equal(fs.readFileSync(path.join(after, edited), "utf8"), original, "the edit is undone");
    assert.deepEqual(treeOf(after, deletedDir), two.status.files.map((f) => f.path).sort(), "the deleted directory is back");
    assert.ok(((await get("one")).status.drift?.count ?? 0) >= 1, "drift recorded on the request");
    assert.ok(((await get("two")).status.drift?.count ?? 0) >= 1);
    const unowned = (await (await call("GET", "/v1/statestores/default/unowned")).json()) as { files: string[] };
    assert.deepEqual(unowned.files, ["dev/resources/default/stray.yaml"], "a file no placement owns is reported");
    assert.ok(treeOf(after).includes("dev/resources/default/stray.yaml"), "and not deleted");
    const metrics = await (await fetch(`${t.platform.url}/metrics`)).text();
    const m = /plinth_drift_repairs_total(?:\{[^}]*\})? (\d+)/.exec(metrics);
    assert.ok(m && Number(m[1]) >= 2, metrics);
  });

  test("`plinth reconcile` with nothing changed records no drift and makes no commit", async () => {
    const head = await t.head();
    const before = (await get("one")).status.drift?.count;
    let out = "";
    const code = await plinth(["reconcile", "teamnamespace", "one", "-w"], {
      env: { PLINTH_URL: t.platform.url, PLINTH_TOKEN: t.platform.devToken },
      stdout: (s) => void (out += s),
      stderr: (s) => void (out += s),
    });
    assert.equal(code, 0, out);
    assert.match(out, /reconcile queued/);
    await t.platform.service!.idle();
    assert.equal(await t.head(), head);
    assert.equal((await get("one")).status.drift?.count, before);
  });

  test("changing the promise's organisation config re-runs every request with the new revision", async () => {
    const oldRevision = (await get("one")).status.promiseRevision;
    await t.platform.up(config("3"));
    await t.platform.serve({ retryBaseMs: 50 });
    await t.platform.service!.idle();
    for (const name of ["one", "two"]) {
      const got = await get(name);
      assert.notEqual(got.status.promiseRevision, oldRevision);
      const quota = got.status.files.find((f) => f.path.endsWith("resourcequota.yaml"))!.path;
      assert.match(fs.readFileSync(path.join(await t.clone(), quota), "utf8"), /cpu: "?3"?/);
    }
    const view = (await (await call("GET", "/v1/promises/namespace")).json()) as { requests: { total: number; current: number; byVersion: Record<string, number> } };
    assert.equal(view.requests.total, 2);
    assert.equal(view.requests.current, 2);
    assert.deepEqual(view.requests.byVersion, { "0.1.0": 2 });
  });
});
