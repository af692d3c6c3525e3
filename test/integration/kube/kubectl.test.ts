/**
 * The real kubectl against the embedded platform's Kubernetes-compatible API: discovery, explain, the
 * Kratix Marketplace examples applied unchanged, get/describe/wait/watch, server-side apply with
 * conflicts, patches, server dry runs, delete + wait, and the answers another team's token gets.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256Hex } from "../../../service/core";
import { kubeconfigFor } from "../../../service/kube/kubeconfig";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";
import { REPO_ROOT } from "../../support/pulumi";

const TEAM_B_TOKEN = "team-b-token-kubectl-0123456789";
const FIXTURES = path.join(REPO_ROOT, "test", "fixtures", "kratix");
const EXAMPLES = ["redis.yaml", "jenkins.yaml", "postgresql.yaml", "web-app.yaml"];

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [
    { name: "dev", labels: { env: "dev" } },
    { name: "prod", labels: { env: "prod" } },
    { name: "platform", kind: "platform", labels: { environment: "platform" } },
  ],
  promises: [{ name: "namespace" }, { name: "jenkins" }, { name: "postgresql" }, { name: "redis" }, { name: "nginx-ingress" }, { name: "web-app" }],
  teams: [
    { name: "dev", namespaces: ["default", "team-a"] },
    { name: "team-b", namespaces: ["team-b"], tokenSha256: sha256Hex(TEAM_B_TOKEN) },
  ],
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("kubectl against Plinth", () => {
  let t: TestPlatform;
  let dev: string;
  let teamB: string;

  // Async on purpose: the API server runs in this process.
  const kubectl = (kubeconfig: string, args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  const ok = async (args: string[], input?: string, kc = dev): Promise<string> => {
    const r = await kubectl(kc, args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    t = await startTestPlatform();
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
    dev = path.join(t.dir, "dev.kubeconfig");
    teamB = path.join(t.dir, "team-b.kubeconfig");
    fs.writeFileSync(dev, kubeconfigFor({ server: t.platform.httpsUrl, caPem: t.platform.caPem, token: t.platform.devToken, team: "dev", namespace: "default" }), { mode: 0o600 });
    fs.writeFileSync(teamB, kubeconfigFor({ server: t.platform.httpsUrl, caPem: t.platform.caPem, token: TEAM_B_TOKEN, team: "team-b", namespace: "team-b" }), { mode: 0o600 });
  });
  after(async () => t?.cleanup());

  test("discovery: api-resources, explain from the Promise's schema, the registry as read-only kinds", async () => {
    const resources = await ok(["api-resources", "--api-group=marketplace.kratix.io", "--no-headers"]);
    for (const r of ["redis", "jenkins", "postgresqls", "apps"]) assert.match(resources, new RegExp(`^${r}\\s.*marketplace\\.kratix\\.io/v1(alpha1)?\\s+true\\s`, "m"), resources);
    const explain = await ok(["explain", "redis.spec"]);
    assert.match(explain, /KIND:\s+redis/);
    assert.match(explain, /size\s+<string>/);
    assert.match(explain, /enum: small, large/);
    const promises = await ok(["get", "promises"]);
    assert.match(promises, /^NAME\s+VERSION\s+API\s+DESTINATIONS/);
    assert.match(promises, /^redis\s+0\.1\.0\s+marketplace\.kratix\.io\/v1alpha1\/redis/m);
    assert.match(await ok(["get", "destinations", "-o", "name"]), /destination\.platform\.plinth\.dev\/dev/);
    const del = await kubectl(dev, ["delete", "promise", "redis"]);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /MethodNotAllowed|not allowed|read-only/i);
    assert.match(await ok(["auth", "whoami"]), /dev/);
  });

  test("each Kratix Marketplace example applies unchanged and becomes Ready; get, -o yaml, jsonpath, describe", async () => {
    for (const f of EXAMPLES) {
      const out = await ok(["apply", "-f", path.join(FIXTURES, f)]);
      assert.match(out, / created$/m, out);
    }
    for (const f of EXAMPLES) await ok(["wait", "--for=condition=Ready", "-f", path.join(FIXTURES, f), "--timeout=180s"]);
    const table = await ok(["get", "redis"]);
    assert.match(table, /^NAME\s+READY\s+APPLIED\s+DESTINATIONS\s+AGE\s*$/m, table);
    assert.match(table, /^example\s+True\s+(dev|prod)\s+\d+[smhd]\S*\s*$/m, table);
    const yaml = await ok(["get", "redis", "example", "-o", "yaml"]);
    assert.match(yaml, /resourceVersion: "\d+"/);
    assert.match(yaml, /kubectl\.kubernetes\.io\/last-applied-configuration/);
    const sentinel = await ok(["get", "redis", "example", "-o", "jsonpath={.status.outputs.sentinel}"]);
    assert.equal(sentinel, "rfs-example.default.svc.cluster.local:26379");
    const described = await ok(["describe", "redis", "example"]);
    assert.match(described, /^Name:\s+example$/m);
    assert.match(described, /Size:\s+small/);
    assert.match(described, /Type:\s+Ready/);
    // Re-applying the same file changes nothing.
    assert.match(await ok(["apply", "-f", path.join(FIXTURES, "redis.yaml")]), /redis\.marketplace\.kratix\.io\/example unchanged/);
    assert.match(await ok(["get", "plinth"]), /redis\.marketplace\.kratix\.io\/example/);
  });

  test("get -w follows a new request until it is Ready", async () => {
    await ok(["apply", "-f", "-"], "apiVersion: marketplace.kratix.io/v1alpha1\nkind: redis\nmetadata:\n  name: watched\nspec:\n  size: large\n");
    const child = spawn("kubectl", ["--kubeconfig", dev, "get", "redis", "watched", "-w", "--no-headers"]);
    let seen = "";
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 120_000);
      child.stdout.on("data", (d: Buffer) => {
        seen += d.toString();
        if (/^watched\s+True\s/m.test(seen)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.on("exit", () => resolve(/^watched\s+True\s/m.test(seen)));
    });
    child.kill();
    assert.ok(ready, `kubectl get -w never showed watched Ready:\n${seen}`);
  });

  test("server-side apply: field owners, a conflicting manager gets 409 unless it forces", async () => {
    const doc = (size: string) => `apiVersion: marketplace.kratix.io/v1alpha1\nkind: redis\nmetadata:\n  name: ssa\nspec:\n  size: ${size}\n`;
    assert.match(await ok(["apply", "--server-side", "-f", "-"], doc("small")), /redis\.marketplace\.kratix\.io\/ssa serverside-applied/);
    const mf = JSON.parse(await ok(["get", "redis", "ssa", "-o", "jsonpath={.metadata.managedFields}", "--show-managed-fields"])) as { manager: string; operation: string; fieldsV1: unknown }[];
    assert.deepEqual(mf.map((e) => [e.manager, e.operation]), [["kubectl", "Apply"]]);
    assert.deepEqual(mf[0].fieldsV1, { "f:spec": { "f:size": {} } });
    const conflict = await kubectl(dev, ["apply", "--server-side", "--field-manager=other", "-f", "-"], doc("large"));
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl" using marketplace\.kratix\.io\/v1alpha1: \.spec\.size/);
    assert.match(await ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"], doc("large")), /serverside-applied/);
    assert.equal(await ok(["get", "redis", "ssa", "-o", "jsonpath={.spec.size}"]), "large");
  });

  test("patch (merge and JSON), dry runs change nothing, stale resource versions are refused", async () => {
    assert.match(await ok(["patch", "redis", "ssa", "--type=merge", "-p", '{"spec":{"size":"small"}}']), /redis\.marketplace\.kratix\.io\/ssa patched/);
    assert.equal(await ok(["get", "redis", "ssa", "-o", "jsonpath={.spec.size}"]), "small");
    await ok(["patch", "redis", "ssa", "--type=json", "-p", '[{"op":"replace","path":"/spec/size","value":"large"}]']);
    assert.equal(await ok(["get", "redis", "ssa", "-o", "jsonpath={.spec.size}"]), "large");
    const before = await ok(["get", "redis", "example", "-o", "jsonpath={.metadata.resourceVersion}"]);
    const dry = await ok(["apply", "--dry-run=server", "-f", "-"], "apiVersion: marketplace.kratix.io/v1alpha1\nkind: redis\nmetadata:\n  name: example\nspec:\n  size: large\n");
    assert.match(dry, /\(server dry run\)/);
    assert.equal(await ok(["get", "redis", "example", "-o", "jsonpath={.spec.size}"]), "small");
    assert.equal(await ok(["get", "redis", "example", "-o", "jsonpath={.metadata.resourceVersion}"]), before);
    const dryNew = await ok(["create", "--dry-run=server", "-f", "-"], "apiVersion: marketplace.kratix.io/v1alpha1\nkind: redis\nmetadata:\n  name: never\nspec: {}\n");
    assert.match(dryNew, /never created \(server dry run\)/);
    assert.notEqual((await kubectl(dev, ["get", "redis", "never"])).code, 0);
    const stale = await kubectl(dev, ["replace", "-f", "-"], `apiVersion: marketplace.kratix.io/v1alpha1\nkind: redis\nmetadata:\n  name: example\n  resourceVersion: "1"\nspec:\n  size: large\n`);
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /Operation cannot be fulfilled on redis\.marketplace\.kratix\.io "example": the object has been modified/);
  });

  test("watch resumes after a resourceVersion it was given (410 Expired once the history dropped it: unit-tested)", async () => {
    const base = "/apis/marketplace.kratix.io/v1alpha1/namespaces/default/redis";
    const list = JSON.parse(await ok(["get", "--raw", base])) as { kind: string; metadata: { resourceVersion: string } };
    assert.equal(list.kind, "redisList");
    await ok(["label", "redis", "ssa", "tier=cache"]);
    const stream = await ok(["get", "--raw", `${base}?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=2`]);
    const events = stream.trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string; labels?: Record<string, string> } } });
    assert.ok(events.some((e) => e.type === "MODIFIED" && e.object.metadata.name === "ssa" && e.object.metadata.labels?.tier === "cache"), stream);
    assert.ok(!events.some((e) => e.object.metadata.name === "example" && e.type === "ADDED"), "nothing from before the version given");
    // The history holds every change since this process started: resuming from before all of them replays them.
    const all = await ok(["get", "--raw", `${base}?watch=true&resourceVersion=1&timeoutSeconds=1`]);
    assert.match(all, /"type":"ADDED","object":\{"apiVersion":"marketplace.kratix.io\/v1alpha1","kind":"redis","metadata":\{"name":"example"/);
  });

  test("bad specs: kubectl's usual error lines with the field paths", async () => {
    const bad = await kubectl(dev, ["apply", "-f", "-"], "apiVersion: marketplace.kratix.io/v1alpha1\nkind: redis\nmetadata:\n  name: bad\nspec:\n  size: huge\n");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The redis "bad" is invalid: spec\.size: Invalid value: /, bad.stderr);
    const jenkins = await kubectl(dev, ["create", "-f", "-"], "apiVersion: marketplace.kratix.io/v1alpha1\nkind: jenkins\nmetadata:\n  name: bad\nspec:\n  env: 5\n  plugins: nope\n");
    assert.match(jenkins.stderr, /spec\.env: Invalid value/);
    assert.match(jenkins.stderr, /spec\.plugins: Invalid value/);
  });

  test("another team's token: Forbidden outside its namespaces, NotFound for what it cannot see", async () => {
    const list = await kubectl(teamB, ["get", "redis", "-n", "default"]);
    assert.equal(list.stderr.trim(), 'Error from server (Forbidden): redis.marketplace.kratix.io is forbidden: User "team-b" cannot list resource "redis" in API group "marketplace.kratix.io" in the namespace "default"');
    const one = await kubectl(teamB, ["get", "redis", "example", "-n", "default"]);
    assert.equal(one.stderr.trim(), 'Error from server (Forbidden): redis.marketplace.kratix.io "example" is forbidden: User "team-b" cannot get resource "redis" in API group "marketplace.kratix.io" in the namespace "default"');
    const own = await kubectl(teamB, ["get", "redis", "example"]);
    assert.equal(own.stderr.trim(), 'Error from server (NotFound): redis.marketplace.kratix.io "example" not found');
    assert.match((await kubectl(teamB, ["get", "redis"])).stderr, /^No resources found in team-b namespace/m);
    const all = await kubectl(teamB, ["get", "redis", "-A"]);
    assert.equal(all.stderr.trim(), 'Error from server (Forbidden): redis.marketplace.kratix.io is forbidden: User "team-b" cannot list resource "redis" in API group "marketplace.kratix.io" at the cluster scope');
    const anon = path.join(t.dir, "anon.kubeconfig");
    fs.writeFileSync(anon, kubeconfigFor({ server: t.platform.httpsUrl, caPem: t.platform.caPem, token: "wrong", team: "x" }));
    const denied = await kubectl(anon, ["get", "redis"]);
    assert.match(denied.stderr, /You must be logged in to the server \(Unauthorized\)|Unauthorized/);
  });

  test("delete -f, then wait --for=delete until the request and its files are gone", async () => {
    const file = path.join(FIXTURES, "redis.yaml");
    const files = (await ok(["get", "-f", file, "-o", "jsonpath={.status.files[*].path}"])).split(" ").filter(Boolean);
    assert.ok(files.length > 0);
    const before = treeOf(await t.clone());
    for (const f of files) assert.ok(before.includes(f), `${f} is in Git`);
    assert.match(await ok(["delete", "-f", file, "--wait=false"]), /redis\.marketplace\.kratix\.io "example" deleted/);
    await ok(["wait", "--for=delete", "-f", file, "--timeout=120s"]);
    const gone = await kubectl(dev, ["get", "-f", file]);
    assert.match(gone.stderr, /NotFound/);
    const after = treeOf(await t.clone());
    for (const f of files) assert.ok(!after.includes(f), `${f} was removed from Git`);
  });
});
