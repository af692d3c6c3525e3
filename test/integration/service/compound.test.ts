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

  test("a child never adopts a request it did not create: the parent is Stalled with ChildConflict, the existing one untouched and kept", async () => {
    const pg = { apiVersion: "marketplace.kratix.io/v1alpha1", kind: "postgresql", metadata: { name: "shop" }, spec: { env: "dev", teamId: "acid", dbName: "orders" } };
    assert.equal((await call("POST", "/v1/requests", JSON.stringify(pg), "application/json")).status, 202);
    await t.platform.service!.idle();
    const app = fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/kratix/web-app.yaml"), "utf8").replace(/todoer/g, "shop");
    assert.equal((await call("POST", "/v1/requests", app)).status, 202);
    await t.platform.service!.idle();

    const parent = (await (await call("GET", "/v1/requests/default/app/shop")).json()) as Obj;
    const stalled = parent.status.conditions.find((c) => c.type === "Stalled");
    assert.equal(stalled?.status, "True", JSON.stringify(parent.status.conditions));
    assert.equal((stalled as { reason?: string }).reason, "ChildConflict");
    assert.match(stalled!.message, /postgresql "shop"/);
    assert.equal(parent.status.conditions.find((c) => c.type === "Ready")?.status, "False");
    type Pg = Obj & { metadata: { generation: number; deletionTimestamp?: string }; spec: Record<string, unknown> };
    const untouched = async () => {
      const got = (await (await call("GET", "/v1/requests/default/postgresql/shop")).json()) as Pg;
      assert.equal(got.metadata.generation, 1, "its spec was not overwritten");
      assert.deepEqual({ teamId: got.spec.teamId, dbName: got.spec.dbName }, { teamId: "acid", dbName: "orders" });
      assert.ok(!Object.keys(got.metadata.labels ?? {}).some((k) => k.startsWith("plinth.dev/")), "no owner labels");
      assert.equal(got.metadata.deletionTimestamp, undefined);
    };
    await untouched();

    assert.equal((await call("DELETE", "/v1/requests/default/app/shop")).status, 202);
    await t.platform.service!.idle();
    assert.equal((await call("GET", "/v1/requests/default/app/shop")).status, 404);
    await untouched();

    // Once the name is free, a parent stalled on it syncs again and makes its own child.
    assert.equal((await call("POST", "/v1/requests", app)).status, 202);
    await t.platform.service!.idle();
    const again = (await (await call("GET", "/v1/requests/default/app/shop")).json()) as Obj;
    assert.equal(again.status.conditions.find((c) => c.type === "Stalled")?.status, "True");
    assert.equal((await call("DELETE", "/v1/requests/default/postgresql/shop")).status, 202);
    await t.platform.service!.idle();
    const recovered = (await (await call("GET", "/v1/requests/default/app/shop")).json()) as Obj;
    assert.equal(recovered.status.conditions.find((c) => c.type === "Ready")?.status, "True", JSON.stringify(recovered.status.conditions));
    assert.equal(recovered.status.conditions.find((c) => c.type === "Stalled"), undefined);
    const own = (await (await call("GET", "/v1/requests/default/postgresql/shop")).json()) as Pg;
    assert.equal(own.metadata.labels?.["plinth.dev/owner-name"], "shop", "now the app's own child");
    assert.equal((await call("DELETE", "/v1/requests/default/app/shop")).status, 202);
    await t.platform.service!.idle();
    assert.equal((await call("GET", "/v1/requests/default/postgresql/shop")).status, 404, "and deleted with it");
  });

  test("plinth.dev/* labels and annotations in a body are refused with 422 (POST, PUT, preview); a GET → PUT round trip keeps working", async () => {
    const jenkins = (labels?: Record<string, string>, annotations?: Record<string, string>) =>
      JSON.stringify({ apiVersion: "marketplace.kratix.io/v1alpha1", kind: "jenkins", metadata: { name: "plain", labels, annotations }, spec: { env: "dev" } });
    const forged = { "plinth.dev/owner-namespace": "default", "plinth.dev/owner-kind": "app", "plinth.dev/owner-name": "shop" };
    const refused = async (res: Response, what: string) => {
      assert.equal(res.status, 422, what);
      const body = (await res.json()) as { code: string; message: string; details: { issues: { path: string[] }[] } };
      assert.equal(body.code, "ReservedMetadata", what);
      assert.match(body.message, /reserved/);
    };
    const head = await t.head();
    await refused(await call("POST", "/v1/requests", jenkins(forged), "application/json"), "POST with owner labels");
    await refused(await call("POST", "/v1/requests", jenkins(undefined, { "plinth.dev/team": "other" }), "application/json"), "POST with a team annotation");
    await refused(await call("POST", "/v1/requests?dryRun=true", jenkins(forged), "application/json"), "preview");
    await refused(await call("PUT", "/v1/requests/default/jenkins/plain", jenkins({ "x.plinth.dev/anything": "1" }), "application/json"), "PUT (create)");
    assert.equal((await call("GET", "/v1/requests/default/jenkins/plain")).status, 404, "nothing created");
    assert.equal(await t.head(), head, "nothing committed");

    assert.equal((await call("PUT", "/v1/requests/default/jenkins/plain", jenkins({ tier: "web" }), "application/json")).status, 201);
    const got = (await (await call("GET", "/v1/requests/default/jenkins/plain")).json()) as { metadata: Record<string, unknown>; spec: unknown };
    const again = await call("PUT", "/v1/requests/default/jenkins/plain", JSON.stringify({ apiVersion: "marketplace.kratix.io/v1alpha1", kind: "jenkins", metadata: got.metadata, spec: got.spec }), "application/json");
    assert.equal(again.status, 200, "the stored plinth.dev/team annotation may be sent back unchanged");
    assert.equal(((await again.json()) as { generation: number }).generation, 1);
    await refused(await call("PUT", "/v1/requests/default/jenkins/plain", jenkins({ tier: "web", ...forged }), "application/json"), "PUT (update)");
    assert.equal((await call("DELETE", "/v1/requests/default/jenkins/plain")).status, 202);
    await t.platform.service!.idle();
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
