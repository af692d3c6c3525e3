import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";

const store = { name: "default", embedded: true, branch: "main", path: "" };
const base = {
  stateStores: [store],
  destinations: [
    { name: "dev", labels: { env: "dev" } },
    { name: "prod", labels: { env: "prod" } },
    { name: "platform", kind: "platform" },
  ],
  promises: [{ name: "namespace", destinationSelectors: [{ matchLabels: { env: "dev" } }] }],
};

describe("platform stack: pulumi up of the local platform, checked with the git CLI", () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
  });
  after(async () => t?.cleanup());

  test("up writes destination roots and the promise's dependencies to matching destinations only", async () => {
    const out = await t.platform.up(base);
    assert.deepEqual(out.destinations.map((d) => [d.name, d.path, d.labels]), [
      ["dev", "dev", { env: "dev" }],
      ["prod", "prod", { env: "prod" }],
      ["platform", "platform", { environment: "platform" }],
    ]);
    assert.equal(out.promises[0].name, "namespace");
    assert.equal(out.promises[0].apiVersion, "plinth.dev/v1alpha1");
    assert.deepEqual(out.promises[0].destinations, ["dev"]);
    assert.equal((out.promises[0].schema as { type: string }).type, "object");
    assert.equal(out.stateStore.url, t.platform.gitUrl("default"));
    assert.equal(out.endpoint, t.platform.url);

    const tree = treeOf(await t.clone());
    for (const d of ["dev", "prod", "platform"]) {
      assert.ok(tree.includes(`${d}/dependencies/kustomization.yaml`), `${d}/dependencies has a kustomization`);
      assert.ok(tree.includes(`${d}/resources/kustomization.yaml`), `${d}/resources has a kustomization`);
    }
    const devDeps = tree.filter((f) => f.startsWith("dev/dependencies/namespace/"));
    assert.ok(devDeps.some((f) => f.endsWith("clusterrole-plinth-team-admin.yaml")), devDeps.join(","));
    assert.equal(tree.filter((f) => f.startsWith("prod/dependencies/namespace/")).length, 0, "prod does not match the selector");
  });

  test("kubectl kustomize builds every destination's dependencies and resources", async () => {
    const dir = await t.clone();
    for (const d of ["dev", "prod", "platform"]) {
      for (const part of ["dependencies", "resources"]) {
        const out = execFileSync("kubectl", ["kustomize", path.join(dir, d, part)], { encoding: "utf8" });
        if (d === "dev" && part === "dependencies") {
          const docs = YAML.parseAllDocuments(out).map((x) => x.toJSON());
          assert.deepEqual(docs.map((o) => `${o.kind}/${o.metadata.name}`), ["ClusterRole/plinth-team-admin"]);
        }
      }
    }
  });

  test("a second up with no change makes no commit", async () => {
    const before = (await t.head());
    await t.platform.up(base);
    assert.equal((await t.head()), before);
  });

  test("adding, relabelling and removing destinations moves exactly the right files", async () => {
    const next = {
      ...base,
      destinations: [
        { name: "dev", labels: { env: "prod" } }, // relabelled: loses the promise
        { name: "prod", labels: { env: "dev" } }, // relabelled: gains it
        { name: "staging", labels: { env: "dev" } }, // added
      ],
    };
    const out = await t.platform.up(next);
    assert.deepEqual(out.promises[0].destinations.sort(), ["prod", "staging"]);
    const tree = treeOf(await t.clone());
    assert.equal(tree.filter((f) => f.startsWith("dev/dependencies/namespace/")).length, 0);
    assert.ok(tree.some((f) => f.startsWith("prod/dependencies/namespace/")));
    assert.ok(tree.some((f) => f.startsWith("staging/dependencies/namespace/")));
    assert.ok(tree.includes("dev/dependencies/kustomization.yaml"), "dev is still registered");
    assert.equal(tree.filter((f) => f.startsWith("platform/")).length, 0, "the removed platform destination is gone");
    const devIndex = YAML.parse(fs.readFileSync(path.join(await t.clone(), "dev/dependencies/kustomization.yaml"), "utf8"));
    assert.deepEqual(devIndex.resources ?? [], [], "dev's index no longer lists the promise");
  });

  test("removing a promise from config removes its files", async () => {
    await t.platform.up({ ...base, promises: [] });
    const tree = treeOf(await t.clone());
    assert.equal(tree.filter((f) => f.includes("/dependencies/namespace/")).length, 0);
    assert.ok(tree.includes("dev/dependencies/kustomization.yaml"));
  });

  test("bad config fails naming the key and changes neither the repo nor the stack", async () => {
    const before = (await t.head());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, promises: [{ name: "no-such-promise" }] }, /plinth:promises\[0\]\.name.*unknown Promise "no-such-promise"/],
      [{ ...base, destinations: [{ name: "dev", labels: {} }, { name: "dev", labels: {} }] }, /plinth:destinations\[1\]\.name/],
      [{ ...base, destinations: [{ name: "Not_A_Label", labels: {} }] }, /plinth:destinations\[0\]\.name.*DNS-1123/],
      [{ ...base, destinations: [{ name: "a", path: "../escape", labels: {} }] }, /plinth:destinations\[0\]\.path/],
      [{ ...base, destinations: [{ name: "a", path: "x", labels: {} }, { name: "b", path: "x", labels: {} }] }, /plinth:destinations\[1\]\.path/],
    ];
    for (const [cfg, re] of cases) {
      await assert.rejects(t.platform.up(cfg), (err: Error) => re.test(err.message), `expected ${re}`);
    }
    assert.equal((await t.head()), before, "no commit");
  });

  test("an unreachable remote store fails naming the remote; nothing is written", async () => {
    const before = (await t.head());
    const cfg = { ...base, stateStores: [{ name: "default", url: "http://127.0.0.1:9/nowhere.git", branch: "main" }] };
    await assert.rejects(t.platform.up(cfg), (err: Error) => /127\.0\.0\.1:9\/nowhere\.git/.test(err.message));
    assert.equal((await t.head()), before);
    await t.platform.configure(base); // the store points back at the embedded repo
  });
});
