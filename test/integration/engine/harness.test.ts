import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { createTestEngine, type TestEngine } from "../../support/pulumi";

describe("pinned engine through the stock Automation API", () => {
  let engine: TestEngine;
  before(async () => {
    engine = await createTestEngine();
  });
  after(async () => engine?.cleanup());

  test("the pinned CLI reports its stamped version", async () => {
    const ws = await LocalWorkspace.create(await engine.stockOptions(path.join(engine.dir, "version")));
    assert.equal(ws.pulumiVersion, engine.toolchain.version);
  });

  test("up of an inline program with a dynamic-provider resource succeeds and destroy removes it", async () => {
    const marker = path.join(engine.dir, "dynamic-marker.txt");
    const program = async () => {
      const fileProvider: pulumi.dynamic.ResourceProvider = {
        async create(inputs: { path: string; content: string }) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- the dynamic provider is serialized: it can only require
          require("fs").writeFileSync(inputs.path, inputs.content);
          return { id: inputs.path, outs: inputs };
        },
        async delete(id: string) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- the dynamic provider is serialized: it can only require
          require("fs").rmSync(id, { force: true });
        },
      };
      class Marker extends pulumi.dynamic.Resource {}
      const res = new Marker(fileProvider, "marker", { path: marker, content: "hello" }, {});
      return { id: res.id };
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: "dyn", projectName: "plinth-harness", program },
      await engine.stockOptions(path.join(engine.dir, "stock")),
    );
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.equal(up.outputs.id.value, marker);
    assert.equal(fs.readFileSync(marker, "utf8"), "hello");
    const down = await stack.destroy();
    assert.equal(down.summary.result, "succeeded");
    assert.equal(fs.existsSync(marker), false, "destroy ran the dynamic provider's delete");
    await stack.workspace.removeStack("dyn");
  });
});
