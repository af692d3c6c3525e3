/**
 * `pulumi up` without the service: the engine launches the `plinth` provider as a plugin (the
 * `pulumi-resource-plinth` shim next to the pinned CLI) and it writes to a real Git server.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { Placement } from "../../../components/state-store/placement";
import { createTestEngine, type TestEngine } from "../../support/pulumi";
import { startGitServer, type GitServer } from "../../support/git-server";
import { cloneWithCli } from "../state-store/helpers";

describe("the plinth provider as a plugin", () => {
  let engine: TestEngine;
  let git: GitServer;
  before(async () => {
    engine = await createTestEngine();
    git = await startGitServer();
  });
  after(async () => {
    await git?.stop();
    await engine?.cleanup();
  });

  test("a Placement created and destroyed by a stock Automation API up lands in Git", async () => {
    const url = await git.createRepo("state");
    const opts = await engine.stockOptions(path.join(engine.dir, "plugin"));
    opts.envVars = {
      ...opts.envVars,
      PLINTH_STORES: JSON.stringify([{ name: "default", url, username: git.username, password: git.password }]),
      PLINTH_CACHE_DIR: path.join(engine.dir, "plugin-cache"),
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        stackName: "plugin",
        projectName: "plinth-plugin",
        program: async () => {
          const p = new Placement("cm", { store: "default", dir: "dev/resources/default/x/y/configure/abcde", files: { "cm.yaml": "kind: ConfigMap\n" } });
          return { commit: p.commit };
        },
      },
      opts,
    );
    const up = await stack.up();
    assert.match(String(up.outputs.commit.value), /^[0-9a-f]{40}$/);
    const view = await cloneWithCli(url, git.username, git.password);
    assert.equal(view.files["dev/resources/default/x/y/configure/abcde/cm.yaml"], "kind: ConfigMap\n");
    await stack.destroy();
    const after = await cloneWithCli(url, git.username, git.password);
    assert.equal(after.files["dev/resources/default/x/y/configure/abcde/cm.yaml"], undefined);
  });
});
