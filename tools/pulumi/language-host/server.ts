/**
 * Plinth's `pulumi-language-nodejs`: Pulumi's `LanguageRuntime` gRPC service for `runtime: nodejs`
 * projects where no Node.js language host is installed (the pinned CLI is built without one). `Run`
 * starts the program in a child `node` through `@pulumi/pulumi/cmd/run` (see run-plan.ts) with tsx's
 * loader and forwards its output; the other calls report plugins, dependencies and runtime info.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as langproto from "@pulumi/pulumi/proto/language_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import { planRun, runOutcome, type RunFields, type RunResolution } from "./run-plan";
import { packageRoot, programDependencies, requiredPlugins } from "./packages";

export const HOST_VERSION = "3.274.1";

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

export interface LanguageHostOptions {
  engineAddress?: string;
  tracing?: string;
  /** Where the program's stdout/stderr go (the CLI reads the host's own streams). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

function programInfoDir(info: langproto.ProgramInfo | undefined, fallback: string): string {
  return info?.getProgramDirectory() || info?.getRootDirectory() || fallback || process.cwd();
}

/** Resolves the runner and tsx the way the program's own project would (its node_modules first). */
export function resolveRunner(programDir: string): RunResolution {
  const paths = [programDir, packageRoot(programDir), __dirname];
  const runner = require.resolve("@pulumi/pulumi/cmd/run", { paths });
  let tsxLoader: string | undefined;
  try {
    tsxLoader = path.join(path.dirname(require.resolve("tsx/package.json", { paths })), "dist", "loader.mjs");
  } catch {
    tsxLoader = undefined;
  }
  return { node: process.execPath, runner, tsxLoader };
}

export function runFields(req: langproto.RunRequest, opts: LanguageHostOptions): RunFields {
  const info = req.getInfo();
  const config: Record<string, string> = {};
  req.getConfigMap().forEach((v, k) => {
    config[k] = v;
  });
  return {
    monitorAddress: req.getMonitorAddress(),
    engineAddress: opts.engineAddress,
    project: req.getProject(),
    stack: req.getStack(),
    organization: req.getOrganization(),
    pwd: req.getPwd(),
    rootDirectory: info?.getRootDirectory(),
    programDirectory: info?.getProgramDirectory(),
    entryPoint: info?.getEntryPoint(),
    program: req.getProgram(),
    args: req.getArgsList(),
    config,
    configSecretKeys: req.getConfigsecretkeysList(),
    dryRun: req.getDryrun(),
    queryMode: req.getQuerymode(),
    parallel: req.getParallel(),
    tracing: opts.tracing,
  };
}

export class NodeLanguageHost {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly opts: LanguageHostOptions) {}

  /** The service implementation for `grpc.Server.addService(LanguageRuntimeService, …)`. */
  implementation(): grpc.UntypedServiceImplementation {
    const handshake: Unary<langproto.LanguageHandshakeRequest, langproto.LanguageHandshakeResponse> = (call, cb) => {
      if (call.request.getEngineAddress()) this.opts.engineAddress = call.request.getEngineAddress();
      cb(null, new langproto.LanguageHandshakeResponse());
    };
    const getRequiredPlugins: Unary<langproto.GetRequiredPluginsRequest, langproto.GetRequiredPluginsResponse> = (call, cb) => {
      const res = new langproto.GetRequiredPluginsResponse();
      const dir = programInfoDir(call.request.getInfo(), call.request.getProgram() || call.request.getPwd());
      for (const p of requiredPlugins(dir)) {
        const dep = new plugproto.PluginDependency();
        dep.setName(p.name);
        dep.setKind(p.kind);
        dep.setVersion(p.version);
        if (p.server) dep.setServer(p.server);
        res.addPlugins(dep);
      }
      cb(null, res);
    };
    const getRequiredPackages: Unary<langproto.GetRequiredPackagesRequest, langproto.GetRequiredPackagesResponse> = (call, cb) => {
      const res = new langproto.GetRequiredPackagesResponse();
      for (const p of requiredPlugins(programInfoDir(call.request.getInfo(), ""))) {
        const dep = new plugproto.PackageDependency();
        dep.setName(p.name);
        dep.setKind(p.kind);
        dep.setVersion(p.version);
        if (p.server) dep.setServer(p.server);
        res.addPackages(dep);
      }
      cb(null, res);
    };
    const getPluginInfo: Unary<Empty, plugproto.PluginInfo> = (_call, cb) => {
      const res = new plugproto.PluginInfo();
      res.setVersion(HOST_VERSION);
      cb(null, res);
    };
    const getProgramDependencies: Unary<langproto.GetProgramDependenciesRequest, langproto.GetProgramDependenciesResponse> = (call, cb) => {
      const res = new langproto.GetProgramDependenciesResponse();
      const dir = programInfoDir(call.request.getInfo(), call.request.getProgram() || call.request.getPwd());
      for (const d of programDependencies(dir)) {
        const info = new langproto.DependencyInfo();
        info.setName(d.name);
        info.setVersion(d.version);
        res.addDependencies(info);
      }
      cb(null, res);
    };
    const about: Unary<langproto.AboutRequest, langproto.AboutResponse> = (_call, cb) => {
      const res = new langproto.AboutResponse();
      res.setExecutable(process.execPath);
      res.setVersion(process.version);
      cb(null, res);
    };
    const run: Unary<langproto.RunRequest, langproto.RunResponse> = (call, cb) => {
      const cancelled = new AbortController();
      call.on("cancelled", () => cancelled.abort());
      this.run(call.request, cancelled.signal).then(
        (out) => {
          const res = new langproto.RunResponse();
          res.setError(out.error);
          res.setBail(out.bail);
          cb(null, res);
        },
        (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message }),
      );
    };
    const installDependencies = (call: grpc.ServerWritableStream<langproto.InstallDependenciesRequest, langproto.InstallDependenciesResponse>) => {
      const dir = programInfoDir(call.request.getInfo(), call.request.getDirectory());
      const child = spawn("npm", ["install"], { cwd: packageRoot(dir), stdio: ["ignore", "pipe", "pipe"] });
      const send = (kind: "out" | "err") => (chunk: Buffer) => {
        const res = new langproto.InstallDependenciesResponse();
        if (kind === "out") res.setStdout(chunk);
        else res.setStderr(chunk);
        call.write(res);
      };
      child.stdout.on("data", send("out"));
      child.stderr.on("data", send("err"));
      const fail = (details: string) => call.emit("error", { code: grpc.status.UNKNOWN, details });
      child.on("error", (err) => fail(`could not run npm install: ${err.message}`));
      child.on("close", (code) => {
        if (code === 0) call.end();
        else fail(`npm install exited with code ${code}`);
      });
    };
    const cancel: Unary<Empty, Empty> = (_call, cb) => {
      for (const c of this.children) c.kill("SIGINT");
      cb(null, new Empty());
    };
    return { handshake, getRequiredPlugins, getRequiredPackages, getPluginInfo, getProgramDependencies, about, run, installDependencies, cancel };
  }

  /** Runs the program to completion in a child `node`, its output forwarded to this host's streams. */
  async run(req: langproto.RunRequest, signal?: AbortSignal): Promise<{ error: string; bail: boolean }> {
    const fields = runFields(req, this.opts);
    const cmd = planRun(fields, resolveRunner(fields.programDirectory || fields.pwd));
    const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: { ...process.env, ...cmd.env }, stdio: ["ignore", "pipe", "pipe"] });
    this.children.add(child);
    // The engine gave up on the run (e.g. Ctrl-C): stop the program too.
    signal?.addEventListener("abort", () => child.kill("SIGINT"), { once: true });
    child.stdout.pipe(this.opts.stdout ?? process.stdout, { end: false });
    child.stderr.pipe(this.opts.stderr ?? process.stderr, { end: false });
    return new Promise((resolve, reject) => {
      child.on("error", (err) => {
        this.children.delete(child);
        reject(new Error(`could not start the program with ${cmd.command}: ${err.message}`));
      });
      child.on("close", (code, signal) => {
        this.children.delete(child);
        resolve(runOutcome(code, signal));
      });
    });
  }

  /** Stops running programs (the host is shutting down). */
  killAll(): void {
    for (const c of this.children) c.kill("SIGTERM");
  }
}

export { langrpc };
