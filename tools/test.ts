/**
 * The whole test suite: builds the pinned toolchain (and, for test/e2e, the local cluster's binaries) if
 * needed (progress shown), then runs every
 * `*.test.ts` under test/ with node's own test runner, so the closing summary is the runner's.
 *
 *   npm test                 # typecheck, lint, then everything
 *   npm test -- test/unit    # only files under a folder (or single files); no typecheck or lint
 *                            # unless PLINTH_TEST_CHECKS=1
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureToolchain } from "./pulumi/ensure";
import { ensureClusterBinaries } from "./cluster/binaries";
import { ensureFluxCrds } from "./cluster/flux-crds";
import { ensureUiBuilt } from "../service/ui/build";
import { ensureCliBuilt } from "./cli-build";

function collect(target: string, out: string[]): void {
  const st = fs.statSync(target);
  if (st.isFile()) {
    if (target.endsWith(".test.ts")) out.push(target);
    return;
  }
  for (const entry of fs.readdirSync(target).sort()) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    collect(path.join(target, entry), out);
  }
}

/** `tsc --noEmit` and the lint, before any test: a type error or a broken boundary fails fast. */
function staticChecks(root: string): void {
  for (const script of ["typecheck", "lint"]) {
    process.stderr.write(`npm run ${script}\n`);
    const res = spawnSync("npm", ["run", "--silent", script], { cwd: root, stdio: "inherit" });
    if (res.status !== 0) {
      process.stderr.write(`npm run ${script} failed: fix it first (tests not run)\n`);
      process.exit(res.status ?? 1);
    }
  }
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const targets = process.argv.slice(2);
  if (targets.length === 0 || process.env.PLINTH_TEST_CHECKS === "1") staticChecks(root);
  await ensureToolchain({ root, log: (m) => process.stderr.write(m + "\n") });
  await ensureUiBuilt((m) => process.stderr.write(m + "\n"));
  // Tests that spawn `plinth` run the bundle, built from the sources under test.
  await ensureCliBuilt((m) => process.stderr.write(m + "\n"));
  const files: string[] = [];
  for (const t of targets.length ? targets : ["test"]) collect(path.resolve(root, t), files);
  if (files.length === 0) {
    process.stderr.write("no test files found\n");
    process.exit(1);
  }
  if (files.some((f) => f.split(path.sep).includes("e2e"))) {
    // The end-to-end tests run a real kube-apiserver with Flux: build what they need first (once, cached;
    // tens of minutes cold, with progress), so no test waits on a Go build.
    const log = (m: string) => process.stderr.write(`${m}\n`);
    await ensureClusterBinaries({ root, log });
    await ensureFluxCrds({ root, log });
  }
  const concurrency = process.env.PLINTH_TEST_CONCURRENCY ?? "2";
  const res = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files.map((f) => path.relative(root, f))],
    { cwd: root, stdio: "inherit", env: { ...process.env, PLINTH_ROOT: root } },
  );
  process.exit(res.status ?? 1);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
