/**
 * Builds the web portal (service/ui/app) into service/ui/dist with esbuild: one bundled script, one
 * stylesheet and index.html. Run by the `prepare` script (so `npm ci` builds it), and ensured by
 * `npm start` and `npm test` (rebuilt when a source is newer than the bundle).
 *
 *   tsx service/ui/build.ts
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const UI_SOURCE_DIR = path.join(__dirname, "app");
export const UI_DIST_DIR = path.join(__dirname, "dist");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the bundle is missing or older than a source file. */
export function uiBuildIsStale(outDir = UI_DIST_DIR): boolean {
  const bundle = path.join(outDir, "app.js");
  if (!fs.existsSync(bundle) || !fs.existsSync(path.join(outDir, "index.html"))) return true;
  return newestMtime(UI_SOURCE_DIR) > fs.statSync(bundle).mtimeMs;
}

export async function buildUi(outDir = UI_DIST_DIR): Promise<void> {
  const esbuild = await import("esbuild");
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(UI_SOURCE_DIR, "main.tsx"), style: path.join(UI_SOURCE_DIR, "style.css") },
    outdir: outDir,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  fs.copyFileSync(path.join(UI_SOURCE_DIR, "index.html"), path.join(outDir, "index.html"));
}

/** Builds the portal when its bundle is missing or stale. */
export async function ensureUiBuilt(log?: (line: string) => void): Promise<void> {
  if (!uiBuildIsStale()) return;
  log?.("plinth: building the web portal (service/ui/app -> service/ui/dist)");
  await buildUi();
}

if (require.main === module) {
  buildUi().catch((err: unknown) => {
    process.stderr.write(`building the web portal failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
