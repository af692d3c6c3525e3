/**
 * Builds the `plinth` command into one CommonJS file, `dist/cli/main.cjs` (esbuild: cli/main.ts and what
 * it imports, dependencies included), plus `dist/cli/inputs.json`, the files that went into it. The bin
 * (cli/bin.mjs) runs the bundle only when no input is newer than it, else cli/main.ts through tsx: a
 * stale build never runs old code, it is only slower. Built by `npm run build` (the `prepare` script,
 * so `npm ci` builds it) and ensured by `npm test`.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
export const CLI_DIST_DIR = path.join(ROOT, "dist", "cli");

export interface CliManifest {
  /** Paths relative to the checkout: every source and dependency file in the bundle. */
  inputs: string[];
}

/** True when the bundle is missing or a file that went into it changed (or is gone) since. */
export function cliBuildIsStale(distDir = CLI_DIST_DIR, root = ROOT): boolean {
  try {
    const built = fs.statSync(path.join(distDir, "main.cjs")).mtimeMs;
    const manifest = JSON.parse(fs.readFileSync(path.join(distDir, "inputs.json"), "utf8")) as CliManifest;
    return manifest.inputs.some((f) => fs.statSync(path.join(root, f)).mtimeMs > built);
  } catch {
    return true;
  }
}

export async function buildCli(distDir = CLI_DIST_DIR, root = ROOT): Promise<void> {
  const esbuild = await import("esbuild");
  fs.mkdirSync(distDir, { recursive: true });
  // Written beside the target, then renamed: a concurrent `plinth` never loads half a file.
  const tmp = path.join(distDir, `.main.${process.pid}.cjs`);
  const result = await esbuild.build({
    entryPoints: [path.join(root, "cli", "main.ts")],
    outfile: tmp,
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: false,
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
    // The `if (require.main === module)` entry points of bundled tool scripts must never run here.
    define: { "require.main": "undefined" },
    // Required on first use only (see cli/format/output.ts), never parsed by a command that needs none.
    external: ["yaml"],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith("<"));
  fs.writeFileSync(path.join(distDir, "inputs.json"), JSON.stringify({ inputs } satisfies CliManifest, null, 1) + "\n");
  fs.renameSync(tmp, path.join(distDir, "main.cjs"));
}

/** Builds the CLI when its bundle is missing or stale. */
export async function ensureCliBuilt(log?: (line: string) => void): Promise<void> {
  if (!cliBuildIsStale()) return;
  log?.("plinth: building the CLI (cli/ -> dist/cli/main.cjs)");
  await buildCli();
}
