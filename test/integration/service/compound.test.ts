import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { main as plinth } from "../../../cli/main";
import { REPO_ROOT } from "../../support/pulumi";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [
    { name: "worker", labels: { env: "dev" } },
    { name: "platform", kind: "platform" },
  ],
  promises: [{ name: "jenkins" }, { name: "postgresql" }, { name: "nginx-ingress" }, { name: "web-app" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> }; status: { conditions: { type: string; status: string; message: string }[]; children?: { kind: string; name: string; ready: boolean }[]; destinations: string[] } };

describe("compound Web App Golden Path through the service and the platform agent", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: string, type = "application/yaml") =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": type }, body });

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
  });
  after(async () => t?.cleanup());

  test("one app request → jenkins, postgresql and nginx children Ready → files on the worker; delete cleans up everything", async () => {
    const body = fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/kratix/web-app.yaml"), "utf8");
    const res = await call("POST", "/v1/requests", body);
    assert.equal(res.status, 202, await res.clone().text());
    await t.platform.service!.idle();

    const parent = (await (await call("GET", "/v1/requests/default/app/todoer")).json()) as Obj;
    assert.deepEqual(parent.status.children?.map((c) => [c.kind, c.ready]).sort(), [["NginxIngress", true], ["jenkins", true], ["postgresql", true]]);
    assert.equal(parent.status.conditions.find((c) => c.type === "Ready")?.status, "True");
    assert.equal(parent.status.conditions.find((c) => c.type === "ChildrenReady")?.status, "True");

    const list = (await (await call("GET", "/v1/requests?namespace=default")).json()) as { items: Obj[] };
    const kids = list.items.filter((i) => i.metadata.labels?.["plinth.dev/owner-name"] === "todoer");
    assert.equal(kids.length, 3, "the team sees the children of its app");
    for (const k of kids) assert.deepEqual(k.status.destinations, ["worker"], `${k.kind} renders to the worker`);

    const clone = await t.clone();
    const platformFiles = treeOf(clone, "platform/resources/default/web-app/todoer");
    assert.ok(platformFiles.some((f) => /jenkins\.yaml$/.test(f)), platformFiles.join(","));
    const worker = treeOf(clone, "worker/resources/default");
    for (const p of ["jenkins/todoer", "postgresql/todoer", "nginx-ingress/todoer", "web-app/todoer"]) {
      assert.ok(worker.some((f) => f.startsWith(`worker/resources/default/${p}/`)), `worker has ${p}: ${worker.join(",")}`);
    }
    const pg = worker.find((f) => f.startsWith("worker/resources/default/postgresql/todoer/") && !f.endsWith("kustomization.yaml"))!;
    assert.equal(YAML.parse(fs.readFileSync(path.join(clone, pg), "utf8")).kind, "postgresql");

    assert.equal((await call("DELETE", "/v1/requests/default/app/todoer")).status, 202);
    await t.platform.service!.idle();
    const after = (await (await call("GET", "/v1/requests?namespace=default")).json()) as { items: Obj[] };
    assert.deepEqual(after.items, [], "parent and children are gone");
    const clone2 = await t.clone();
    assert.deepEqual(treeOf(clone2, "worker/resources"), ["worker/resources/kustomization.yaml"]);
    assert.deepEqual(treeOf(clone2, "platform/resources"), ["platform/resources/kustomization.yaml"]);
  });

  test("the Marketplace lists every Promise with its version, installed or not (API and CLI)", async () => {
    const body = (await (await call("GET", "/v1/marketplace")).json()) as { items: { name: string; version: string; installed: boolean; kind: string }[] };
    const installed = Object.fromEntries(body.items.map((i) => [i.name, i.installed]));
    assert.deepEqual(installed, { namespace: false, jenkins: true, postgresql: true, redis: false, "nginx-ingress": true, "web-app": true });
    assert.ok(body.items.every((i) => /^\d+\.\d+\.\d+/.test(i.version)));
    let out = "";
    const code = await plinth(["marketplace"], { env: { PLINTH_URL: t.platform.url, PLINTH_TOKEN: t.platform.devToken }, stdout: (x) => void (out += x), stderr: (x) => void (out += x) });
    assert.equal(code, 0, out);
    assert.match(out, /^NAME\s+VERSION\s+CATEGORY/m);
    assert.match(out, /^redis\s+\S+\s+\S+\s+.*\bno\b/m);
    assert.match(out, /^web-app\s+.*yes/m);
  });
});
