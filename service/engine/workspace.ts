/**
 * A lean Automation API workspace over the pinned Pulumi CLI.
 *
 * Shaped like `LocalWorkspace` (one options bag, `stack()` factory), but it does only what a request
 * needs: stack settings are plain files it writes itself (as LocalWorkspace does), stacks are created
 * with one `stack init`, and `up` takes outputs from the engine's events instead of running
 * `stack output` and `stack history` after every run (ENGINE.md: that saves ~1 s per request).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import type { CliResult, CliRunner, RunCliOptions } from "./cli";
import { EngineError } from "./errors";
import { checkpointFile, createCheckpoint, projectMode, validStackName } from "./file-backend";
import { clearStaleLocks, DEFAULT_LOCK_LEASE_MS, heartbeat } from "./locks";
import { PgLockLeases } from "./pg-locks";
import { engineExited, engineStarted } from "./processes";
import { LeanStack } from "./stack";

export type { CliResult, RunCliOptions } from "./cli";

export interface EngineWorkspaceOptions {
  /** Absolute path of the `pulumi` CLI. */
  pulumi: string;
  /** Pulumi backend URL, e.g. `file:///…/.plinth/state`. */
  backendUrl: string;
  /** Directory holding `Pulumi.yaml` and `Pulumi.<stack>.yaml` of this workspace's stacks. */
  workDir: string;
  /** Project name written to `Pulumi.yaml`. */
  project: string;
  /** Passphrase of the passphrase secrets provider (never logged). */
  passphrase: string;
  /** Secrets provider of new stacks (default `passphrase`), e.g. `hashivault://plinth`. */
  secretsProvider?: string;
  /** Providers served elsewhere (e.g. inside this process) that the engine attaches to: name → port. */
  debugProviders?: () => Record<string, number>;
  /** Extra environment for every CLI run. */
  env?: Record<string, string>;
  /** Directories searched for provider plugins before PATH (e.g. the built Kubernetes provider). */
  pluginDirs?: string[];
  /**
   * Secrets settings of a new stack (`secretsprovider`, `encryptedkey`: a fresh data key wrapped by the
   * key service). With a `file://` backend in project mode, `createStack` then writes the stack itself
   * (file-backend.ts: what `stack init` writes, without a CLI run); otherwise it runs `stack init`.
   */
  newStackSecrets?: () => { secretsprovider: string; encryptedkey: string };
  /**
   * Stack locks are leases (locks.ts): a running operation touches its lock every quarter of this; a
   * lock untouched this long (another host's dead replica) is cleared. Default 2 min.
   */
  lockLeaseMs?: number;
}

export class EngineWorkspace implements CliRunner {
  readonly options: EngineWorkspaceOptions;
  /** Lock leases of a `postgres://` backend (shared mode), else undefined. */
  readonly pgLocks: PgLockLeases | undefined;

  constructor(options: EngineWorkspaceOptions) {
    this.options = options;
    fs.mkdirSync(options.workDir, { recursive: true });
    const projectFile = path.join(options.workDir, "Pulumi.yaml");
    const want = YAML.stringify({ name: options.project, runtime: "nodejs" });
    if (!fs.existsSync(projectFile) || fs.readFileSync(projectFile, "utf8") !== want) fs.writeFileSync(projectFile, want);
    if (options.backendUrl.startsWith("file://")) fs.mkdirSync(options.backendUrl.slice("file://".length), { recursive: true });
    this.pgLocks = /^postgres(ql)?:\/\//.test(options.backendUrl) ? new PgLockLeases(options.backendUrl) : undefined;
  }

  /** The environment of every CLI run. */
  env(): NodeJS.ProcessEnv {
    const o = this.options;
    const binDir = path.dirname(o.pulumi);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...o.env,
      PATH: [binDir, ...(o.pluginDirs ?? []), process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_BACKEND_URL: o.backendUrl,
      PULUMI_CONFIG_PASSPHRASE: o.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API: "true",
      PULUMI_DEBUG_COMMANDS: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
    };
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    const debug = o.debugProviders?.() ?? {};
    const entries = Object.entries(debug).map(([k, v]) => `${k}:${v}`);
    if (entries.length) env.PULUMI_DEBUG_PROVIDERS = entries.join(",");
    return env;
  }

  /** Runs the CLI in the workspace directory. */
  runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
    const at = args.indexOf("--stack");
    if (at >= 0 && args[0] !== "stack") this.ensureSecretsProvider(args[at + 1]);
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.pulumi, [...args, "--non-interactive"], {
        cwd: this.options.workDir,
        env: this.env(),
        stdio: ["pipe", "pipe", "pipe"],
      });
      child.stdin.on("error", () => undefined); // the CLI may exit without reading it
      child.stdin.end(opts.stdin ?? "");
      let stdout = "";
      let stderr = "";
      const pid = child.pid;
      if (pid !== undefined) engineStarted(pid);
      const stackAt = args.indexOf("--stack");
      const dir = this.backendDir();
      const stopBeat =
        stackAt < 0 || child.pid === undefined
          ? undefined
          : dir
            ? heartbeat(dir, args[stackAt + 1], child.pid, this.lockLeaseMs)
            : this.pgLocks?.heartbeat(args[stackAt + 1], child.pid, this.lockLeaseMs);
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        opts.onStdout?.(d);
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const onAbort = (): void => {
        child.kill("SIGINT");
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      child.on("error", (err) => reject(new EngineError(`cannot run ${this.options.pulumi}: ${err.message}`)));
      child.on("close", (code) => {
        stopBeat?.();
        if (pid !== undefined) engineExited(pid);
        opts.signal?.removeEventListener("abort", onAbort);
        const res = { code: code ?? 1, stdout, stderr };
        if (res.code !== 0 && !opts.allowFailure) {
          reject(new EngineError(`pulumi ${args[0]} ${args[1] ?? ""} failed: ${(stderr || stdout).trim().slice(-2000)}`, { args: args.slice(0, 2) }));
        } else resolve(res);
      });
    });
  }

  settingsFile(stack: string): string {
    return path.join(this.options.workDir, `Pulumi.${stack}.yaml`);
  }

  /** Reads a stack's settings file (config and secrets-provider salt), or undefined when absent. */
  readSettings(stack: string): { config?: Record<string, unknown>; [k: string]: unknown } | undefined {
    const f = this.settingsFile(stack);
    if (!fs.existsSync(f)) return undefined;
    return (YAML.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>) ?? {};
  }

  /** Replaces a stack's plain config values, keeping the rest of its settings (encryption salt). */
  writeConfig(stack: string, config: Record<string, string>): void {
    const settings = this.readSettings(stack) ?? {};
    settings.config = config;
    this.writeSettings(stack, this.withSecretsProvider(settings));
  }

  /**
   * A `postgres://` backend (shared mode) with a KMS secrets provider: a stack another replica created has
   * no settings file here, and the CLI would take `passphrase` for it. Its settings name the provider
   * (the CLI wraps a data key with it on the next run; the state keeps every key it was written with).
   */
  private withSecretsProvider(settings: Record<string, unknown>): Record<string, unknown> {
    const provider = this.options.secretsProvider;
    if (!this.pgLocks || !provider || provider === "passphrase" || settings.secretsprovider) return settings;
    return { ...settings, secretsprovider: provider };
  }

  private ensureSecretsProvider(stack: string | undefined): void {
    if (!stack || !this.pgLocks || !this.options.secretsProvider || this.options.secretsProvider === "passphrase") return;
    const settings = this.readSettings(stack) ?? {};
    if (!settings.secretsprovider) this.writeSettings(stack, this.withSecretsProvider(settings));
  }

  /**
   * Writes a stack's settings other than its config (secrets provider, wrapped data key) from a copy kept
   * elsewhere (shared mode: the request's record in the database), keeping the config there is.
   */
  writeSettingsCache(stack: string, settings: Record<string, unknown>): void {
    const config = this.readSettings(stack)?.config;
    this.writeSettings(stack, { ...settings, ...(config ? { config } : {}) });
  }

  /** A stack's settings other than its config (to keep with its record in shared mode), or undefined. */
  stackSecretsSettings(stack: string): Record<string, unknown> | undefined {
    const settings = this.readSettings(stack);
    if (!settings) return undefined;
    const { config: _config, ...rest } = settings;
    return Object.keys(rest).length ? rest : undefined;
  }

  /** Replaces a stack's settings file atomically (written aside, then renamed). */
  private writeSettings(stack: string, settings: Record<string, unknown>): void {
    const f = this.settingsFile(stack);
    const tmp = `${f}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(tmp, YAML.stringify(settings));
    fs.renameSync(tmp, f);
  }

  /** Sets one config value as a secret (encrypted by the stack's secrets provider); the value goes through stdin. */
  async setSecretConfig(stack: string, key: string, value: string): Promise<void> {
    await this.runCli(["config", "set", "--secret", key, "--stack", stack], { stdin: value });
  }

  /** Every config value of a stack, secrets decrypted (one CLI run). */
  async readConfigDecrypted(stack: string): Promise<Record<string, string>> {
    const res = await this.runCli(["config", "--show-secrets", "--json", "--stack", stack]);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(JSON.parse(res.stdout) as Record<string, { value?: unknown }>)) if (typeof v.value === "string") out[k] = v.value;
    return out;
  }

  readConfig(stack: string): Record<string, string> {
    return (this.readSettings(stack)?.config as Record<string, string>) ?? {};
  }

  /**
   * Creates the stack in the backend: written in this process where it can be (`newStackSecrets` and a
   * `file://` backend in project mode), else one `stack init`. Existing stacks are left as they are.
   */
  async createStack(name: string, opts: { signal?: AbortSignal } = {}): Promise<LeanStack> {
    if (this.createInProcess(name)) return this.stack(name);
    const res = await this.runCli(["stack", "init", name, "--secrets-provider", this.options.secretsProvider ?? "passphrase"], { ...opts, allowFailure: true });
    if (res.code !== 0 && !/already exists/.test(res.stderr)) {
      throw new EngineError(`cannot create stack ${name}: ${res.stderr.trim()}`, { stack: name });
    }
    return this.stack(name);
  }

  /**
   * `stack init` without the CLI (file-backend.ts). Synchronous from the settings read to the checkpoint
   * write, so no other settings write of this process interleaves. The secrets settings go first: a crash
   * before the checkpoint leaves a data key no state uses yet, kept by the next attempt. False when this
   * workspace or backend needs the CLI.
   */
  private createInProcess(name: string): boolean {
    const dir = this.backendDir();
    const secrets = this.options.newStackSecrets;
    if (!dir || !secrets || !validStackName(name) || !projectMode(dir)) return false;
    if (fs.existsSync(checkpointFile(dir, this.options.project, name))) return true;
    const settings: Record<string, unknown> = this.readSettings(name) ?? {};
    const fresh = secrets();
    if (settings.secretsprovider !== fresh.secretsprovider || typeof settings.encryptedkey !== "string") {
      delete settings.encryptionsalt;
      this.writeSettings(name, { ...settings, secretsprovider: fresh.secretsprovider, encryptedkey: fresh.encryptedkey });
    }
    createCheckpoint(dir, this.options.project, name);
    return true;
  }

  /** A handle on a stack that exists (no CLI call). */
  stack(name: string): LeanStack {
    return new LeanStack(this, name);
  }

  /** Stack names in the backend. */
  async listStacks(): Promise<string[]> {
    const res = await this.runCli(["stack", "ls", "--json"]);
    return (JSON.parse(res.stdout) as { name: string }[]).map((s) => s.name);
  }

  /** Removes a stack and its settings file. `force` also removes it when resources remain. */
  async removeStack(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const args = ["stack", "rm", name, "--yes"];
    if (opts.force) args.push("--force");
    const res = await this.runCli(args, { allowFailure: true });
    if (res.code !== 0 && !/no stack named/i.test(res.stderr)) throw new EngineError(`cannot remove stack ${name}: ${res.stderr.trim()}`);
    fs.rmSync(this.settingsFile(name), { force: true });
  }

  get lockLeaseMs(): number {
    return this.options.lockLeaseMs ?? DEFAULT_LOCK_LEASE_MS;
  }

  /** The directory of a `file://` backend, else undefined. */
  private backendDir(): string | undefined {
    return this.options.backendUrl.startsWith("file://") ? this.options.backendUrl.slice("file://".length) : undefined;
  }

  /**
   * Removes locks of `stack` left by a process that died mid-operation (file:// backends): a lock of
   * this host whose pid is gone, or a lock of any host whose lease ran out (not touched for
   * `lockLeaseMs`: live operations touch theirs). Returns how many.
   */
  clearDeadLocks(stack: string): number {
    const dir = this.backendDir();
    // A `postgres://` backend: the lock rows go asynchronously (callers retry the operation later).
    if (!dir) void this.pgLocks?.clearStale(stack, this.lockLeaseMs).catch(() => undefined);
    return dir ? clearStaleLocks(dir, stack, this.lockLeaseMs).length : 0;
  }

  /** `clearDeadLocks` for every backend: also the lock rows of a `postgres://` backend (shared mode). */
  async recoverLocks(stack: string): Promise<number> {
    return this.pgLocks ? this.pgLocks.clearStale(stack, this.lockLeaseMs) : this.clearDeadLocks(stack);
  }

  /** The stale locks of every stack of a `postgres://` backend, removed (a replica's start); 0 for others. */
  async recoverAllLocks(): Promise<number> {
    return this.pgLocks ? this.pgLocks.clearStale(undefined, this.lockLeaseMs) : 0;
  }

  /** Releases what the workspace holds open (the lock-lease pool of a Postgres backend). */
  async close(): Promise<void> {
    await this.pgLocks?.close();
  }
}
