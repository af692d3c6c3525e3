/**
 * One stack, shaped like the Automation API's `Stack`: `up`, `preview`, `destroy`, one options bag per
 * operation, typed results, `AbortSignal`, streaming `onEvent`. Programs are inline functions served by a
 * language-runtime server in this process; outputs are read from the engine's events.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { EngineError } from "./errors";
import { runIsolated } from "./isolation";
import { installCheapPromiseStacks } from "./promise-stacks";
import type { CliRunner } from "./cli";
import { errorsOf, stackOutputsOf, tailEvents, type EngineEvent } from "./events";

// Internal modules of @pulumi/pulumi that the Automation API itself uses for inline programs.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi without type declarations
const { LanguageServer } = require("@pulumi/pulumi/automation/server") as {
  LanguageServer: new (program: unknown) => { run(call: unknown, callback: unknown): unknown; onPulumiExit(hasError: boolean): void };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi without type declarations
const langrpc = require("@pulumi/pulumi/proto/language_grpc_pb");

/** Pulumi's language server, each program run isolated from the others running in this process (isolation.ts). */
class IsolatedLanguageServer extends LanguageServer {
  override run(call: unknown, callback: unknown): unknown {
    return runIsolated(() => super.run(call, callback));
  }
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of @pulumi/pulumi without type declarations
const { grpcChannelOptions } = require("@pulumi/pulumi/runtime");

installCheapPromiseStacks();

export interface OperationOptions {
  program?: PulumiFn;
  signal?: AbortSignal;
  onEvent?: (event: EngineEvent) => void;
  message?: string;
  /** Read every resource's live state first (`--refresh`), so drift is repaired by the update. */
  refresh?: boolean;
}

export interface OperationResult {
  /** "succeeded" or "failed" (a failed run throws; kept for symmetry with Automation API summaries). */
  result: "succeeded";
  outputs: Record<string, unknown>;
  /** Resource operation counts from the engine's summary, e.g. `{ create: 2, same: 1 }`. */
  changes: Record<string, number>;
  durationMs: number;
  events: EngineEvent[];
}

export class OperationError extends EngineError {
  readonly events: EngineEvent[];
  constructor(op: string, stack: string, messages: string[], events: EngineEvent[], stderr: string) {
    const main = messages.length ? messages.join("\n") : stderr.trim().slice(-2000);
    super(`${op} of stack ${stack} failed: ${main}`, { stack, op, errors: messages }, "OperationFailed");
    this.events = events;
  }
}

let counter = 0;

export class LeanStack {
  constructor(
    readonly workspace: CliRunner,
    readonly name: string,
  ) {}

  up(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("up", ["up", "--yes", "--skip-preview"], opts);
  }

  preview(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("preview", ["preview"], opts);
  }

  destroy(opts: OperationOptions = {}): Promise<OperationResult> {
    return this.run("destroy", ["destroy", "--yes", "--skip-preview"], opts);
  }

  private async run(op: string, baseArgs: string[], opts: OperationOptions): Promise<OperationResult> {
    const started = Date.now();
    const args = [...baseArgs, "--stack", this.name];
    if (opts.message) args.push("--message", opts.message);
    if (opts.refresh && op === "up") args.push("--refresh");
    let server: grpc.Server | undefined;
    let languageServer: { onPulumiExit(hasError: boolean): void } | undefined;
    if (opts.program) {
      server = new grpc.Server({ ...grpcChannelOptions });
      languageServer = new IsolatedLanguageServer(opts.program);
      server.addService(langrpc.LanguageRuntimeService, languageServer as never);
      const port = await new Promise<number>((resolve, reject) =>
        server!.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
      );
      args.push(`--client=127.0.0.1:${port}`, "--exec-kind", "auto.inline");
    }
    const logFile = path.join(os.tmpdir(), `plinth-events-${process.pid}-${++counter}-${Date.now()}.jsonl`);
    args.push("--event-log", logFile);
    const tail = tailEvents(logFile, opts.onEvent);
    let failed = false;
    let stderr = "";
    try {
      const res = await this.workspace.runCli(args, { signal: opts.signal, allowFailure: true });
      failed = res.code !== 0;
      stderr = res.stderr + res.stdout;
    } finally {
      const events = await tail.stop();
      fs.rmSync(logFile, { force: true });
      try {
        languageServer?.onPulumiExit(true);
      } catch {
        /* leak check only */
      }
      server?.forceShutdown();
      if (failed) {
        // eslint-disable-next-line no-unsafe-finally -- a failed run throws after cleanup, whatever the try block did
        throw new OperationError(op, this.name, errorsOf(events), events, stderr);
      }
      const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
      // eslint-disable-next-line no-unsafe-finally -- the result is known only after cleanup
      return {
        result: "succeeded",
        outputs: stackOutputsOf(events),
        changes: (summary?.resourceChanges as Record<string, number>) ?? {},
        durationMs: Date.now() - started,
        events,
      };
    }
  }
}
