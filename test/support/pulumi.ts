/**
 * Test harness: a Pulumi workspace on the pinned CLI with a temporary `file://` backend, a passphrase and
 * cleanup. Exported for promise authors too.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureToolchain, type Toolchain } from "../../tools/pulumi/ensure";
import { PulumiCommand, type LocalWorkspaceOptions } from "@pulumi/pulumi/automation";
import { EngineWorkspace } from "../../service/engine";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

let toolchain: Promise<Toolchain> | undefined;

/** The pinned toolchain (built on first use; tests never use a CLI from PATH). */
export function pinnedToolchain(): Promise<Toolchain> {
  toolchain ??= ensureToolchain({ root: REPO_ROOT, log: (l) => process.stderr.write(l + "\n") });
  return toolchain;
}

export interface TestEngine {
  /** Temporary directory holding the backend (`state/`) and the workspace (`work/`). */
  dir: string;
  backendUrl: string;
  passphrase: string;
  toolchain: Toolchain;
  /** Environment for stock Automation API workspaces (`LocalWorkspace`), pinned CLI first on PATH. */
  env: Record<string, string>;
  /** Options for stock Automation API workspaces on this backend: pinned CLI, env, PULUMI_HOME. */
  stockOptions(workDir: string): Promise<LocalWorkspaceOptions>;
  /** A lean workspace on this backend. */
  workspace(opts?: { project?: string; debugProviders?: () => Record<string, number> }): EngineWorkspace;
  cleanup(): Promise<void>;
}

/** A fresh backend in a temp dir. Call `cleanup()` (e.g. in `after`) to remove it. */
export async function createTestEngine(): Promise<TestEngine> {
  const tc = await pinnedToolchain();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-engine-"));
  const backendUrl = `file://${path.join(dir, "state")}`;
  fs.mkdirSync(path.join(dir, "state"), { recursive: true });
  const passphrase = `test-${Math.random().toString(36).slice(2)}`;
  const env = {
    PATH: `${tc.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_HOME: path.join(dir, "home"),
  };
  return {
    dir,
    backendUrl,
    passphrase,
    toolchain: tc,
    env,
    async stockOptions(workDir: string) {
      fs.mkdirSync(workDir, { recursive: true });
      const pulumiCommand = await PulumiCommand.get({ root: path.dirname(tc.binDir), skipVersionCheck: false });
      return { workDir, envVars: env, pulumiHome: env.PULUMI_HOME, pulumiCommand };
    },
    workspace(opts = {}) {
      return new EngineWorkspace({
        pulumi: tc.pulumi,
        backendUrl,
        workDir: path.join(dir, "work", opts.project ?? "plinth-test"),
        project: opts.project ?? "plinth-test",
        passphrase,
        debugProviders: opts.debugProviders,
        env: { PULUMI_HOME: path.join(dir, "home") },
      });
    },
    async cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
