#!/usr/bin/env node
// The `plinth` command: loads cli/main.ts through tsx (resolved next to this file, so any cwd works).
import { tsImport } from "tsx/esm/api";

const mod = await tsImport("./main.ts", import.meta.url);
const main = mod.main ?? mod.default?.main;
process.exitCode = await main(process.argv.slice(2));
