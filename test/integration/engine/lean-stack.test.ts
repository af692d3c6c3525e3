import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
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

  test("the provider's port refuses any caller but this process's engine runs: a foreign process and an in-process client get PERMISSION_DENIED, nothing is written", async () => {
    const before = calls.length;
    // Another local process, speaking the provider protocol to the port the engine attaches to.
    const script = `
      const grpc = require("@grpc/grpc-js");
      const svc = require("@pulumi/pulumi/proto/provider_grpc_pb");
      const pb = require("@pulumi/pulumi/proto/provider_pb");
      const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
      const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
      const Client = grpc.makeGenericClientConstructor(svc.ResourceProviderService);
      const c = new Client("127.0.0.1:${port}", grpc.credentials.createInsecure());
      const req = new pb.CreateRequest();
      req.setUrn("urn:pulumi:s::p::plinth:index:Placement::evil");
      req.setProperties(Struct.fromJavaScript({ store: "local", dir: "dev/resources/default/x/configure/evil", files: { "a.yaml": "evil: 1" } }));
      const out = {};
      c.getPluginInfo(new Empty(), (e1) => {
        out.getPluginInfo = e1 ? e1.code : 0;
        c.create(req, (e2) => {
          out.create = e2 ? e2.code : 0;
          out.details = e2 ? e2.details : "";
          console.log(JSON.stringify(out));
          process.exit(0);
        });
      });`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { cwd: path.resolve(__dirname, "../../..") });
    const out = JSON.parse(stdout) as { getPluginInfo: number; create: number; details: string };
    assert.equal(out.getPluginInfo, grpc.status.PERMISSION_DENIED);
    assert.equal(out.create, grpc.status.PERMISSION_DENIED);
    assert.match(out.details, /serves only the engine runs of its own process/);

    // A client inside this process is not an engine run either.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module without type declarations
    const svc = require("@pulumi/pulumi/proto/provider_grpc_pb");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module without type declarations
    const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
    const Client = grpc.makeGenericClientConstructor(svc.ResourceProviderService, "ResourceProvider");
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as { getPluginInfo(r: unknown, cb: (e: grpc.ServiceError | null) => void): void; close(): void };
    const code = await new Promise<number>((resolve) => client.getPluginInfo(new Empty(), (e) => resolve(e ? e.code : 0)));
    client.close();
    assert.equal(code, grpc.status.PERMISSION_DENIED);

    assert.equal(calls.length, before, "the provider was never asked to write");
    assert.equal(fs.existsSync(path.join(storeRoot, "dev/resources/default/x/configure/evil")), false);

    // and the engine still is served
    const ws = engine.workspace({ debugProviders: () => ({ plinth: port }) });
    const stack = await ws.createStack("default.x.after");
    const res = await stack.up({ program: program({ "c.yaml": "c: 3\n" }) });
    assert.equal(res.outputs.fileCount, 1);
    await stack.destroy();
    await ws.removeStack("default.x.after");
  });
});
