/**
 * The pure half of `Run`: from a RunRequest's fields to the child `node` command that runs the program
 * through `@pulumi/pulumi`'s own program runner (`@pulumi/pulumi/cmd/run`), the way Pulumi's Go host
 * does (flags for monitor/engine/project/stack/…, config in `PULUMI_CONFIG`). TypeScript is handled by
 * tsx's loader (`--import`), so the runner's ts-node path stays off.
 */
import * as path from "node:path";

export interface RunFields {
  monitorAddress: string;
  engineAddress?: string;
  project: string;
  stack: string;
  organization?: string;
  /** Working directory the program runs in (the engine's program directory). */
  pwd: string;
  /** Directory holding Pulumi.yaml. */
  rootDirectory?: string;
  /** Program directory (Pulumi.yaml `main` when it is a directory) and entry point inside it. */
  programDirectory?: string;
  entryPoint?: string;
  /** RunRequest.program (deprecated field, the entry point) when no ProgramInfo is sent. */
  program?: string;
  args: string[];
  config: Record<string, string>;
  configSecretKeys: string[];
  dryRun: boolean;
  queryMode?: boolean;
  parallel: number;
  tracing?: string;
}

export interface RunResolution {
  /** `node` executable. */
  node: string;
  /** Absolute path of `@pulumi/pulumi/cmd/run` as the program's project resolves it. */
  runner: string;
  /** tsx's loader (`tsx/dist/loader.mjs`), when the project has tsx. */
  tsxLoader?: string;
}

export interface RunCommand {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** The entry point the runner gets: "." lets it read package.json (`main`/`exports`) like Pulumi's host. */
export function entryPointOf(fields: Pick<RunFields, "entryPoint" | "program" | "programDirectory">): string {
  const entry = fields.entryPoint || fields.program || ".";
  if (entry === "." || path.isAbsolute(entry) || !fields.programDirectory) return entry;
  return path.join(fields.programDirectory, entry);
}

export function planRun(fields: RunFields, resolved: RunResolution): RunCommand {
  const args: string[] = [];
  if (resolved.tsxLoader) args.push("--import", resolved.tsxLoader);
  args.push(resolved.runner);
  const flag = (name: string, value: string | undefined): void => {
    if (value) args.push(`--${name}`, value);
  };
  flag("monitor", fields.monitorAddress);
  flag("engine", fields.engineAddress);
  flag("organization", fields.organization);
  flag("project", fields.project);
  flag("root-directory", fields.rootDirectory);
  flag("stack", fields.stack);
  flag("pwd", fields.programDirectory || fields.pwd);
  if (fields.dryRun) args.push("--dry-run");
  if (fields.queryMode) args.push("--query-mode");
  if (fields.parallel > 0) flag("parallel", String(fields.parallel));
  flag("tracing", fields.tracing);
  args.push(entryPointOf(fields), ...fields.args);
  const env: Record<string, string> = {
    PULUMI_CONFIG: JSON.stringify(fields.config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(fields.configSecretKeys),
    // tsx compiles TypeScript; the runner must not register ts-node on top of it.
    PULUMI_NODEJS_TYPESCRIPT: "false",
  };
  return { command: resolved.node, args, cwd: fields.programDirectory || fields.pwd, env };
}

/** Exit code `@pulumi/pulumi/cmd/run` uses after it already logged the error for the user. */
export const EXIT_AFTER_LOGGED_ERROR = 32;

/** RunResponse from the child's exit: `bail` when the program already reported its error. */
export function runOutcome(code: number | null, signal: NodeJS.Signals | null): { error: string; bail: boolean } {
  if (code === 0) return { error: "", bail: false };
  if (code === EXIT_AFTER_LOGGED_ERROR) return { error: "", bail: true };
  if (signal) return { error: `Program exited by signal ${signal}`, bail: false };
  return { error: `Program exited with non-zero exit code: ${code}`, bail: false };
}
