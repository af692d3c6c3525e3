/** Running the Pulumi CLI: what a stack needs of its workspace (kept apart so stack.ts and workspace.ts do not import each other). */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  signal?: AbortSignal;
  onStdout?: (chunk: string) => void;
  /** Treat a non-zero exit as a result instead of throwing. */
  allowFailure?: boolean;
  /** Written to the CLI's stdin (e.g. a secret config value, never put on its command line). */
  stdin?: string;
}

/** Runs the CLI in a workspace (EngineWorkspace). */
export interface CliRunner {
  runCli(args: string[], opts?: RunCliOptions): Promise<CliResult>;
}
