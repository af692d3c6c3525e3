import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Placement } from "../../../components/state-store/placement";
import { PlinthProvider, placementHandler, serveInProcess, stopInProcess, type DirectoryWriter } from "../../../service/provider";
import { OperationError } from "../../../service/engine";
import { createTestEngine, type TestEngine } from "../../support/pulumi";

/** A DirectoryWriter over a plain directory, so this test sees exactly what the provider was asked. */
function dirWriter(root: string, calls: string[]): DirectoryWriter {
  return {
    async writeDirectory({ dir, files }) {
      calls.push(`write ${dir}`);
      fs.rmSync(path.join(root, dir), { recursive: true, force: true });
      for (const [f, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, dir, f)), { recursive: true });
        fs.writeFileSync(path.join(root, dir, f), c);
      }
      return { commit: `c${calls.length}`, changed: true };
    },
    async removeDirectory({ dir }) {
      calls.push(`remove ${dir}`);
      fs.rmSync(path.join(root, dir), { recursive: true, force: true });
      return { commit: `c${calls.length}`, changed: true };
    },
  };
}

describe("lean stack with the plinth provider served in this process", () => {
  let engine: TestEngine;
  let port: number;
  const calls: string[] = [];
  let storeRoot: string;

  before(async () => {
    engine = await createTestEngine();
    storeRoot = path.join(engine.dir, "store");
    const provider = new PlinthProvider({ "plinth:index:Placement": placementHandler(() => dirWriter(storeRoot, calls)) });
    port = await serveInProcess(provider);
  });
  after(async () => {
    await stopInProcess();
    await engine?.cleanup();
  });

  const program = (files: Record<string, string>) => async () => {
    const p = new Placement("cm", { store: "local", dir: "dev/resources/default/x/configure/abcde", files });
    return { commit: p.commit, fileCount: p.fileCount };
  };

  test("create, no-op, update and destroy go through the in-process provider", async () => {
    const ws = engine.workspace({ debugProviders: () => ({ plinth: port }) });
    const stack = await ws.createStack("default.x.one");
    ws.writeConfig("default.x.one", { "plinth:request": JSON.stringify({ a: 1 }) });
    assert.deepEqual(ws.readConfig("default.x.one"), { "plinth:request": '{"a":1}' });

    const events: string[] = [];
    const first = await stack.up({ program: program({ "a.yaml": "a: 1\n" }), onEvent: (e) => e.resourcePreEvent && events.push(e.resourcePreEvent.metadata.op) });
    assert.equal(first.outputs.fileCount, 1);
    assert.equal(first.changes.create, 2, "the stack and the placement were created");
    assert.ok(events.includes("create"), "progress events streamed while running");
    assert.equal(fs.readFileSync(path.join(storeRoot, "dev/resources/default/x/configure/abcde/a.yaml"), "utf8"), "a: 1\n");
    assert.deepEqual(calls, ["write dev/resources/default/x/configure/abcde"]);

    const same = await stack.up({ program: program({ "a.yaml": "a: 1\n" }) });
    assert.equal(same.changes.same, 2);
    assert.equal(calls.length, 1, "a no-op up calls the provider's create/update not at all");

    await stack.up({ program: program({ "b.yaml": "b: 2\n" }) });
    assert.deepEqual(fs.readdirSync(path.join(storeRoot, "dev/resources/default/x/configure/abcde")), ["b.yaml"]);

    await stack.destroy();
    assert.equal(fs.existsSync(path.join(storeRoot, "dev/resources/default/x/configure/abcde")), false);
    assert.equal(calls.at(-1), "remove dev/resources/default/x/configure/abcde");
    await ws.removeStack("default.x.one");
    assert.deepEqual(await ws.listStacks(), []);
  });

  test("a provider check failure fails the up with the field named", async () => {
    const ws = engine.workspace({ debugProviders: () => ({ plinth: port }) });
    const stack = await ws.createStack("default.x.bad");
    await assert.rejects(
      stack.up({ program: async () => void new Placement("bad", { store: "local", dir: "../escape", files: {} }) }),
      (err: unknown) => err instanceof OperationError && /dir/.test(err.message) && /\.\./.test(err.message),
    );
    await ws.removeStack("default.x.bad", { force: true });
  });
});
