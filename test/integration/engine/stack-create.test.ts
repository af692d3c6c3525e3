import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { EngineWorkspace } from "../../../service/engine";
import { checkpointFile } from "../../../service/engine/file-backend";
import { createTransitHandler, encryptTransit } from "../../../stacks/local-platform/transit";
import { createTestEngine, type TestEngine } from "../../support/pulumi";

describe("stacks of a file backend created without `stack init` (real engine, hashivault secrets)", () => {
  let engine: TestEngine;
  let server: http.Server;
  let ws: EngineWorkspace;
  let backendDir: string;
  const cli: string[][] = [];
  const project = "plinth-requests";
  const key = crypto.randomBytes(32);
  const token = crypto.randomBytes(16).toString("hex");

  before(async () => {
    engine = await createTestEngine();
    backendDir = engine.backendUrl.slice("file://".length);
    const transit = createTransitHandler({ key, token, prefix: "/vault" });
    server = http.createServer((req, res) => void transit(req, res).then((served) => served || res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    ws = new EngineWorkspace({
      pulumi: engine.toolchain.pulumi,
      backendUrl: engine.backendUrl,
      workDir: path.join(engine.dir, "work", project),
      project,
      passphrase: engine.passphrase,
      secretsProvider: "hashivault://plinth",
      newStackSecrets: () => ({ secretsprovider: "hashivault://plinth", encryptedkey: Buffer.from(encryptTransit(key, "plinth", crypto.randomBytes(32))).toString("base64") }),
      env: { PULUMI_HOME: path.join(engine.dir, "home"), VAULT_ADDR: `http://127.0.0.1:${port}/vault`, VAULT_TOKEN: token },
    });
    const runCli = ws.runCli.bind(ws);
    ws.runCli = (args, opts) => {
      cli.push(args);
      return runCli(args, opts);
    };
  });
  after(async () => {
    server?.close();
    await engine?.cleanup();
  });

  test("a fresh backend (no project-mode marker yet) gets `stack init`; later stacks are written in-process and behave as stacks", async () => {
    await ws.createStack("default.x.first");
    assert.deepEqual(cli.map((a) => a.slice(0, 2)), [["stack", "init"]]);
    cli.length = 0;

    ws.writeConfig("default.x.second", { "plinth:request": '{"a":1}' });
    await ws.createStack("default.x.second");
    assert.deepEqual(cli, [], "no CLI run");
    const settings = ws.readSettings("default.x.second")!;
    assert.equal(settings.secretsprovider, "hashivault://plinth");
    assert.match(Buffer.from(String(settings.encryptedkey), "base64").toString(), /^vault:v1:/);
    assert.deepEqual(settings.config, { "plinth:request": '{"a":1}' }, "the config written before is kept");
    assert.ok(fs.existsSync(checkpointFile(backendDir, project, "default.x.second")));
    assert.deepEqual((await ws.listStacks()).sort(), ["default.x.first", "default.x.second"]);

    // The engine unwraps the data key made in-process: a secret output is stored encrypted and read back.
    const res = await ws.stack("default.x.second").up({ program: async () => ({ token: pulumi.secret("s3cr3t-value") }) });
    assert.equal(res.result, "succeeded");
    const state = fs.readFileSync(checkpointFile(backendDir, project, "default.x.second"), "utf8");
    assert.ok(!state.includes("s3cr3t-value"), "the secret is not in the checkpoint in plaintext");
    const out = await ws.runCli(["stack", "output", "--json", "--show-secrets", "--stack", "default.x.second"]);
    assert.equal((JSON.parse(out.stdout) as { token: string }).token, "s3cr3t-value");
  });

  test("an existing stack is left as it is: same data key, same checkpoint", async () => {
    const before = fs.readFileSync(checkpointFile(backendDir, project, "default.x.second"), "utf8");
    const keyBefore = ws.readSettings("default.x.second")!.encryptedkey;
    cli.length = 0;
    await ws.createStack("default.x.second");
    assert.deepEqual(cli, []);
    assert.equal(fs.readFileSync(checkpointFile(backendDir, project, "default.x.second"), "utf8"), before);
    assert.equal(ws.readSettings("default.x.second")!.encryptedkey, keyBefore);
  });

  test("destroy and removeStack work on it; it can be created again", async () => {
    await ws.stack("default.x.second").destroy();
    await ws.removeStack("default.x.second");
    assert.equal(fs.existsSync(checkpointFile(backendDir, project, "default.x.second")), false);
    assert.deepEqual(await ws.listStacks(), ["default.x.first"]);
    await ws.createStack("default.x.second");
    const res = await ws.stack("default.x.second").up({ program: async () => ({ n: 1 }) });
    assert.equal(res.outputs.n, 1);
  });

  test("names the CLI would refuse go to the CLI (and its error)", async () => {
    cli.length = 0;
    await assert.rejects(ws.createStack("bad name!"), /cannot create stack/);
    assert.deepEqual(cli.map((a) => a.slice(0, 2)), [["stack", "init"]]);
  });
});
