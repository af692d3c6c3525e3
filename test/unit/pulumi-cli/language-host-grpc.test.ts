/**
 * Plinth's `pulumi-language-nodejs` as the CLI starts it: a process that prints its port, then answers
 * LanguageRuntime calls over gRPC (plugin info, required packages, program dependencies, about). `Run`
 * needs a live engine and monitor: test/integration/platform/pulumi-cli.test.ts runs it through the CLI.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as langproto from "@pulumi/pulumi/proto/language_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";

const root = path.resolve(__dirname, "..", "..", "..");

describe("pulumi-language-nodejs over gRPC", () => {
  let child: ChildProcess;
  let client: langrpc.LanguageRuntimeClient;
  let output = "";
  const info = new langproto.ProgramInfo();
  info.setRootDirectory(root);
  info.setProgramDirectory(path.join(root, "stacks"));
  info.setEntryPoint(".");
  type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;
  const call = <Res>(method: (req: never, cb: Callback<Res>) => unknown, req: unknown) =>
    new Promise<Res>((resolve, reject) => (method as (req: unknown, cb: Callback<Res>) => unknown).call(client, req, (err, res) => (err ? reject(err) : resolve(res))));

  before(async () => {
    child = spawn(process.execPath, ["--import", path.join(root, "node_modules", "tsx", "dist", "loader.mjs"), path.join(root, "tools", "pulumi", "language-host", "main.ts"), "127.0.0.1:1"], {
      cwd: path.join(root, "stacks"),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        output += d;
        if (output.includes("\n")) resolve(output.split("\n")[0]);
      });
      child.once("exit", (code) => reject(new Error(`host exited ${code}`)));
    });
    assert.match(port, /^\d+$/, "the first stdout line is the port");
    client = new langrpc.LanguageRuntimeClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(() => {
    client?.close();
    child?.kill("SIGTERM");
  });

  test("plugin info, handshake and about", async () => {
    const plugin = await call<PluginInfo>(client.getPluginInfo, new Empty());
    assert.match(plugin.getVersion(), /^\d+\.\d+\.\d+$/);
    const hs = new langproto.LanguageHandshakeRequest();
    hs.setEngineAddress("127.0.0.1:2");
    await call<langproto.LanguageHandshakeResponse>(client.handshake, hs);
    const about = await call<langproto.AboutResponse>(client.about, new langproto.AboutRequest());
    assert.equal(about.getExecutable(), process.execPath);
    assert.equal(about.getVersion(), process.version);
  });

  test("required packages are this project's provider packages; dependencies its package.json's", async () => {
    const req = new langproto.GetRequiredPackagesRequest();
    req.setInfo(info);
    const res = await call<langproto.GetRequiredPackagesResponse>(client.getRequiredPackages, req);
    const names = res.getPackagesList().map((p) => `${p.getName()}@${p.getVersion()}`);
    assert.ok(names.includes("kubernetes@v4.24.1"), names.join(", "));
    assert.ok(!names.some((n) => n.startsWith("pulumi@")), "the SDK is not a plugin");
    const deps = new langproto.GetProgramDependenciesRequest();
    deps.setInfo(info);
    const d = await call<langproto.GetProgramDependenciesResponse>(client.getProgramDependencies, deps);
    assert.ok(d.getDependenciesList().some((x) => x.getName() === "@pulumi/pulumi" && /^\d+\.\d+\.\d+$/.test(x.getVersion())));
  });

});
