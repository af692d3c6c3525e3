#!/usr/bin/env node
// The `plinth` command. Runs the compiled bundle (dist/cli/main.cjs, built by `npm run build` / `prepare`)
// when no file that went into it (dist/cli/inputs.json) is newer; else cli/main.ts through tsx, so a stale
// or missing build is slower, never old code. Paths resolve next to this file, so any cwd works.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist", "cli");

function freshBundle() {
  if (process.env.PLINTH_CLI_TSX === "1") return undefined;
  try {
    const bundle = path.join(dist, "main.cjs");
    const built = fs.statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(fs.readFileSync(path.join(dist, "inputs.json"), "utf8"));
    for (const f of inputs) if (fs.statSync(path.join(root, f)).mtimeMs > built) return undefined;
    return bundle;
  } catch {
    return undefined;
  }
}

const bundle = freshBundle();
const mod = bundle ? createRequire(import.meta.url)(bundle) : await (await import("tsx/esm/api")).tsImport("./main.ts", import.meta.url);
const main = mod.main ?? mod.default?.main;
process.exitCode = await main(process.argv.slice(2));
