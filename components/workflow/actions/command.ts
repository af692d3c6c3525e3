import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import { PlinthError, ValidationError } from "../../errors";
import { readMetadataDir, readOutputDir, type DestinationSelector, type WorkflowControl } from "./kratix-io";
import { redact } from "./redact";
import { secretEnvValues } from "../secrets";
import { assertKratixMounts, mountedArgv, objectEnv, resolveExecutable, stepsBaseDir } from "./kratix-mount";

export type { DestinationSelector, WorkflowControl } from "./kratix-io";

/** The Kratix pipeline the step belongs to; exported to the command as `KRATIX_*` variables. */
export interface KratixStepContext {
  promiseName: string;
  pipelineName: string;
  workflowType: "resource" | "promise";
  workflowAction: "configure" | "delete";
  clusterScoped?: boolean;
  /** Plural of the object's kind (`KRATIX_CRD_PLURAL`). */
  crdPlural?: string;
}

export interface CommandStepOptions {
  /** Step name used in messages; defaults to `<promise>/<pipeline>`. */
  name?: string;
  /** Container image of the Kratix step. Ignored: the command runs on this host. */
  image?: string;
  /** argv to run (no shell), or … */
  command?: string[];
  /** … a script run by `/bin/sh -c`. Exactly one of the two. */
  script?: string;
  /** The request or promise; written to `input/object.yaml`. */
  object: unknown;
  /**
   * Files already in `output/` when the step starts (relative path → content): what earlier steps of the
   * pipeline wrote, as in a Kratix pipeline whose containers share `/kratix/output`.
   */
  initialFiles?: Readonly<Record<string, string>>;
  /** Parent of the step's temporary directory (default: the OS temp dir). */
  workDir?: string;
  /** Extra environment. The host's environment is NOT inherited apart from PATH (no service secrets leak). */
  env?: Record<string, string>;
  /** Values to redact from logs and error messages (e.g. secret env values). */
  secrets?: string[];
  timeoutMs?: number;
  /** Limit of all files under `output/` together. */
  maxOutputBytes?: number;
  /** Limit of kept stdout+stderr (the tail is kept). Default 1 MiB. */
  maxLogBytes?: number;
  /** Receives stdout and stderr while the step runs, whole lines, secrets redacted. */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
  /** How often the size of `output/` and `metadata/` is checked while the step runs. Default 100 ms. */
  sizeCheckMs?: number;
  /** Grace between SIGTERM and SIGKILL of the process group on timeout. Default 2 s. */
  killGraceMs?: number;
  signal?: AbortSignal;
  kratix: KratixStepContext;
}

export interface CommandStepResult {
  /** Files under `output/`, by path relative to it. */
  files: Record<string, string>;
  status: Record<string, unknown>;
  destinationSelectors: DestinationSelector[];
  workflowControl: WorkflowControl;
  /** stdout and stderr as they arrived (tail only if longer than maxLogBytes), secrets redacted. */
  logs: string;
  durationMs: number;
}

/** Splits a stream into whole lines (redacted) for `onOutput`; `flush` emits a last partial line. */
class LineSplitter {
  private rest = "";
  constructor(private readonly emit: (text: string) => void, private readonly clean: (s: string) => string) {}
  push(b: Buffer): void {
    const text = this.rest + b.toString("utf8");
    const cut = text.lastIndexOf("\n");
    if (cut < 0) {
      this.rest = text;
      if (this.rest.length > 64 * 1024) this.flush();
      return;
    }
    this.rest = text.slice(cut + 1);
    this.emit(this.clean(text.slice(0, cut + 1)));
  }
  flush(): void {
    if (this.rest) this.emit(this.clean(this.rest + "\n"));
    this.rest = "";
  }
}

/** Total size of the regular files under `dir` (0 if it is gone). */
async function treeSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += await fs.lstat(p).then((st) => st.size, () => 0);
  }
  return total;
}

/** Keeps the last `max` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length) {
      const over = this.size - this.max;
      const first = this.chunks[0];
      if (first.length <= over) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.size -= over;
        this.dropped += over;
      }
    }
  }
  text(): string {
    const t = Buffer.concat(this.chunks).toString("utf8");
    return this.dropped ? `[… ${this.dropped} bytes dropped …]\n${t}` : t;
  }
}

function lastLines(text: string, lines = 20, chars = 2000): string {
  const t = text.trimEnd().split("\n").slice(-lines).join("\n");
  return t.length > chars ? t.slice(-chars) : t;
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    /* group already gone */
  }
}

/** Checks the options; throws a ValidationError naming the field. */
export function checkCommandStepOptions(o: CommandStepOptions): void {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const hasCmd = Array.isArray(o.command) && o.command.length > 0;
  const hasScript = typeof o.script === "string" && o.script.trim().length > 0;
  if (hasCmd === hasScript) issues.push({ path: hasCmd ? ["script"] : ["command"], message: "set exactly one of command (argv) or script" });
  if (hasCmd && o.command!.some((a) => typeof a !== "string")) issues.push({ path: ["command"], message: "every argument must be a string" });
  for (const k of ["promiseName", "pipelineName"] as const)
    if (!o.kratix?.[k]) issues.push({ path: ["kratix", k], message: `required: the ${k === "promiseName" ? "Promise" : "pipeline"} name` });
  if (!["resource", "promise"].includes(o.kratix?.workflowType)) issues.push({ path: ["kratix", "workflowType"], message: 'must be "resource" or "promise"' });
  if (!["configure", "delete"].includes(o.kratix?.workflowAction)) issues.push({ path: ["kratix", "workflowAction"], message: 'must be "configure" or "delete"' });
  if (o.timeoutMs !== undefined && !(o.timeoutMs > 0)) issues.push({ path: ["timeoutMs"], message: "must be > 0" });
  if (o.maxOutputBytes !== undefined && !(o.maxOutputBytes > 0)) issues.push({ path: ["maxOutputBytes"], message: "must be > 0" });
  if (issues.length) throw new ValidationError(`invalid command step: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`, issues, "CommandStepInvalid");
}

/**
 * Runs one Kratix-style pipeline step on this host. The step gets a fresh directory holding
 * `input/object.yaml`, `output/`, `metadata/`, mounted on `/kratix` in the step's own mount namespace
 * (kratix-mount.ts), so scripts written for Kratix pipeline images run unchanged; cwd is `/kratix`
 * (relative paths work too) and `KRATIX_INPUT_DIR`, `KRATIX_OUTPUT_DIR`, `KRATIX_METADATA_DIR` name the
 * same places. The environment is PATH, HOME, TMPDIR, LANG, the step's `env` and the Kratix variables
 * (`KRATIX_WORKFLOW_ACTION/TYPE`, `KRATIX_PROMISE_NAME`, `KRATIX_PIPELINE_NAME`,
 * `KRATIX_OBJECT_KIND/GROUP/VERSION/NAME/NAMESPACE`, `KRATIX_CRD_PLURAL`, `KRATIX_CLUSTER_SCOPED`).
 * The step is killed (with its whole process group) on timeout, on cancel, and as soon as `output/` and
 * `metadata/` together hold more than `maxOutputBytes`. Afterwards it reads `output/**` and the metadata
 * files; the directory is always removed.
 */
export async function runCommandStep(o: CommandStepOptions): Promise<CommandStepResult> {
  checkCommandStepOptions(o);
  const step = o.name ?? `${o.kratix.promiseName}/${o.kratix.pipelineName}`;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const maxOutputBytes = o.maxOutputBytes ?? 10 * 1024 * 1024;
  const secrets = [...(o.secrets ?? []), ...secretEnvValues(o.env)];
  const clean = (s: string) => redact(s, secrets);
  const mode = assertKratixMounts(`command step ${step}`);
  const base = o.workDir ?? stepsBaseDir();
  await fs.mkdir(base, { recursive: true });
  const dir = await fs.mkdtemp(path.join(base, "plinth-step-"));
  try {
    const input = path.join(dir, "input");
    const output = path.join(dir, "output");
    const metadata = path.join(dir, "metadata");
    const tmp = path.join(dir, "tmp");
    await Promise.all([input, output, metadata, tmp].map((d) => fs.mkdir(d)));
    await fs.writeFile(path.join(input, "object.yaml"), toYaml(o.object ?? {}));
    for (const [rel, content] of Object.entries(o.initialFiles ?? {})) {
      const parts = rel.split("/");
      if (rel.startsWith("/") || parts.some((p) => p === "" || p === "." || p === ".."))
        throw new ValidationError(`invalid command step: initialFiles path ${JSON.stringify(rel)} must be relative without . or .. parts`, [{ path: ["initialFiles", rel], message: "must be a relative path" }], "CommandStepInvalid");
      const file = path.join(output, ...parts);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, content);
    }

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: "/kratix",
      TMPDIR: "/kratix/tmp",
      LANG: "C.UTF-8",
      ...o.env,
      ...objectEnv(o.object),
      KRATIX_CRD_PLURAL: o.kratix.crdPlural ?? "",
      KRATIX_WORKFLOW_TYPE: o.kratix.workflowType,
      KRATIX_WORKFLOW_ACTION: o.kratix.workflowAction,
      KRATIX_PROMISE_NAME: o.kratix.promiseName,
      KRATIX_PIPELINE_NAME: o.kratix.pipelineName,
      KRATIX_CLUSTER_SCOPED: String(o.kratix.clusterScoped ?? false),
      KRATIX_INPUT_DIR: "/kratix/input",
      KRATIX_OUTPUT_DIR: "/kratix/output",
      KRATIX_METADATA_DIR: "/kratix/metadata",
    };
    const [cmd, cmdArgs] = o.command?.length ? [o.command[0], o.command.slice(1)] : ["/bin/sh", ["-c", o.script!]];
    const details0 = { step, exitCode: null, signal: null, durationMs: 0, stderrTail: "" };
    if (!resolveExecutable(cmd, env.PATH)) throw new PlinthError("CommandStepFailed", clean(`command step ${step} could not start ${cmd}: no such executable file (looked on PATH ${env.PATH})`), details0);
    const [file, args] = mountedArgv(mode, dir, base, cmd, cmdArgs);
    const started = Date.now();
    const logs = new Tail(o.maxLogBytes ?? 1024 * 1024);
    const stderr = new Tail(16 * 1024);

    const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; cancelled: boolean; tooLarge: boolean; spawnError?: Error }>((resolve) => {
      const child = spawn(file, args, { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let timedOut = false;
      let tooLarge = false;
      let cancelled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        killGroup(child.pid, "SIGTERM");
        killTimer = setTimeout(() => killGroup(child.pid, "SIGKILL"), o.killGraceMs ?? 2000);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, timeoutMs);
      const onAbort = () => {
        cancelled = true;
        stop();
      };
      o.signal?.addEventListener("abort", onAbort, { once: true });
      if (o.signal?.aborted) onAbort();
      // The output limit holds while the step runs: a step writing too much is stopped, not read afterwards.
      let checking = false;
      const sizer = setInterval(() => {
        if (checking || tooLarge) return;
        checking = true;
        void Promise.all([treeSize(output), treeSize(metadata)])
          .then(([a, b]) => {
            if (a + b > maxOutputBytes && !tooLarge) {
              tooLarge = true;
              stop();
            }
          })
          .finally(() => (checking = false));
      }, o.sizeCheckMs ?? 100);
      const outLines = o.onOutput ? new LineSplitter((t) => o.onOutput!("stdout", t), clean) : undefined;
      const errLines = o.onOutput ? new LineSplitter((t) => o.onOutput!("stderr", t), clean) : undefined;
      child.stdout.on("data", (b: Buffer) => {
        logs.push(b);
        outLines?.push(b);
      });
      child.stderr.on("data", (b: Buffer) => {
        logs.push(b);
        stderr.push(b);
        errLines?.push(b);
      });
      // When the main process exits, kill what it left behind in its group so pipes close.
      child.on("exit", () => killGroup(child.pid, "SIGKILL"));
      const finish = (r: { code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }) => {
        clearTimeout(timer);
        clearInterval(sizer);
        outLines?.flush();
        errLines?.flush();
        if (killTimer) clearTimeout(killTimer);
        o.signal?.removeEventListener("abort", onAbort);
        resolve({ ...r, timedOut, cancelled, tooLarge });
      };
      child.on("error", (err) => finish({ code: null, signal: null, spawnError: err }));
      child.on("close", (code, signal) => finish({ code, signal }));
    });

    const durationMs = Date.now() - started;
    const tail = clean(lastLines(stderr.text()));
    const details = { step, exitCode: outcome.code, signal: outcome.signal, durationMs, stderrTail: tail };
    if (outcome.spawnError) throw new PlinthError("CommandStepFailed", clean(`command step ${step} could not start ${file}: ${outcome.spawnError.message}`), details);
    if (outcome.timedOut) throw new PlinthError("CommandStepTimedOut", `command step ${step} ran longer than ${timeoutMs} ms and was killed${tail ? `; stderr: ${tail}` : ""}`, details);
    if (outcome.tooLarge)
      throw new PlinthError(
        "CommandStepOutputTooLarge",
        `command step ${step}: output/ and metadata/ held more than ${maxOutputBytes} bytes while it ran, so it was stopped; write less or raise maxOutputBytes`,
        { ...details, maxBytes: maxOutputBytes },
      );
    if (outcome.cancelled) throw new PlinthError("CommandStepCancelled", `command step ${step} was cancelled`, details);
    if (outcome.code !== 0)
      throw new PlinthError(
        "CommandStepFailed",
        `command step ${step} ${outcome.code === null ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`}${tail ? `; stderr: ${tail}` : ""}`,
        details,
      );

    const files = await readOutputDir(output, step, maxOutputBytes);
    const meta = await readMetadataDir(metadata, step, Math.min(maxOutputBytes, 1024 * 1024));
    return { files, ...meta, logs: clean(logs.text()), durationMs };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
