/** Previews against a real Git server: files with diffs, and the actions that would run (never their secrets). */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import * as fs from "node:fs";
import YAML from "yaml";
import { parseConfig } from "../../../components/promise/schema";
import { webAppPromise } from "../../../promises/web-app";
import { previewRequest } from "../../../service/core/preview";
import { StoreRegistry } from "../../../service/core/stores";
import { startGitServer, type GitServer } from "../../support/git-server";
import { REPO_ROOT } from "../../support/pulumi";
import { tempDir } from "../state-store/helpers";

describe("preview", () => {
  let git: GitServer;
  before(async () => {
    git = await startGitServer();
  });
  after(async () => git?.stop());

  test("an update diffs against Git in hunks; a directory no longer written shows its files' content deleted", async () => {
    const url = await git.createRepo("state-update");
    const stores = new StoreRegistry(await tempDir("plinth-preview-"));
    stores.set({ name: "default", url, branch: "main", path: "", auth: { username: git.username, password: git.password } });
    const parsed = parseConfig(webAppPromise, {});
    assert.ok(parsed.ok);
    const object = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/kratix/web-app.yaml"), "utf8").replace(/^#.*\n/gm, ""));
    const args = {
      promise: { definition: webAppPromise, config: parsed.value, revision: "r", entry: {} as never },
      object: { ...object, metadata: { ...object.metadata, generation: 1, uid: "", creationTimestamp: "" } },
      key: { namespace: "default", kind: "app", name: "todoer" },
      destinations: [{ name: "worker", labels: { env: "dev" }, path: "worker", strictMatchLabels: false, stateStore: "default" }],
      defaultStore: "default",
      stores,
      tenant: { team: "dev", namespaces: ["default"] },
    };
    const first = await previewRequest(args);
    const target = first.files[0];
    const dir = target.path.slice(0, target.path.lastIndexOf("/"));
    const file = target.path.slice(dir.length + 1);
    const writer = stores.writer("default");
    await writer.writeDirectory({ dir, files: { [file]: "stale: true\n" } });
    await writer.writeDirectory({ dir: `${dir}-retired`, files: { "old.yaml": "kind: ConfigMap\nname: retired\n" } });
    const existing = { object: args.object, promise: "app", stackCreated: true, status: { files: [{ destination: "worker", path: `${dir}-retired/old.yaml`, commit: "c" }] } };
    const res = await previewRequest({ ...args, existing: existing as never });
    const updated = res.files.find((f) => f.path === target.path);
    assert.equal(updated?.change, "update");
    assert.match(updated!.diff, new RegExp(`^--- a/${target.path}\n\\+\\+\\+ b/${target.path}\n@@ -1 \\+1,\\d+ @@\n-stale: true\n\\+`));
    const deleted = res.files.find((f) => f.path === `${dir}-retired/old.yaml`);
    assert.deepEqual(deleted, {
      destination: "worker",
      path: `${dir}-retired/old.yaml`,
      change: "delete",
      diff: `--- a/${dir}-retired/old.yaml\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-kind: ConfigMap\n-name: retired\n`,
    });
  });

  test("lists the files to create and the actions a new request would run, without credentials", async () => {
    const url = await git.createRepo("state");
    const stores = new StoreRegistry(await tempDir("plinth-preview-"));
    stores.set({ name: "default", url, branch: "main", path: "", auth: { username: git.username, password: git.password } });
    const parsed = parseConfig(webAppPromise, { notifications: { slack: { botToken: "xoxb-secret-token-123", channel: "#apps" } } });
    assert.ok(parsed.ok);
    const object = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/kratix/web-app.yaml"), "utf8").replace(/^#.*\n/gm, ""));
    const res = await previewRequest({
      promise: { definition: webAppPromise, config: parsed.value, revision: "r", entry: {} as never },
      object: { ...object, metadata: { ...object.metadata, generation: 1, uid: "", creationTimestamp: "" } },
      key: { namespace: "default", kind: "app", name: "todoer" },
      destinations: [
        { name: "worker", labels: { env: "dev" }, path: "worker", strictMatchLabels: false, stateStore: "default" },
        { name: "platform", labels: { environment: "platform" }, path: "platform", strictMatchLabels: true, stateStore: "default" },
      ],
      defaultStore: "default",
      stores,
      tenant: { team: "dev", namespaces: ["default"] },
    });
    assert.deepEqual(res.actions, [{ name: "configure/notify-slack", kind: "slack", change: "create" }]);
    assert.ok(res.files.length > 0 && res.files.every((f) => f.change === "create"));
    assert.ok(!JSON.stringify(res).includes("xoxb-secret-token-123"), "no credential in the preview");
  });
});
