/**
 * Child process of the bench (the provider is served once per process, so a fresh platform needs a
 * fresh process): a LocalPlatform on a temporary data dir runs `up` of the local stack
 * (Pulumi.local.yaml) twice — cold (fresh backend: `stack init` + every resource created) and no-op
 * (nothing changed) — and prints `{"cold_s":…,"noop_s":…}` on stdout. Progress goes to stderr.
 *
 *   npx tsx tools/bench/platform-up.ts
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureToolchain } from "../pulumi/ensure";
import { LocalPlatform } from "../../stacks/local-platform/local-platform";
import type { EngineEvent } from "../../service/engine";
import { readStackConfig } from "../../stacks/stack-config";
import { nowMs, round } from "./stats";

const root = path.resolve(__dirname, "..", "..");

async function main(): Promise<void> {
  const toolchain = await ensureToolchain({ root, log: (l) => process.stderr.write(`${l}\n`) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-bench-up-"));
  let platform: LocalPlatform | undefined;
  try {
    platform = await LocalPlatform.start({ dataDir: path.join(dir, "data"), toolchain, port: 0 });
    const raw = readStackConfig(path.join(root, "Pulumi.local.yaml"));
    let changes = 0;
    const onEvent = (e: EngineEvent) => {
      const m = e.resOutputsEvent?.metadata;
      if (m && m.op !== "same") changes++;
    };
    let t0 = nowMs();
    await platform.up(raw, { onEvent });
    const cold = (nowMs() - t0) / 1000;
    const coldChanges = changes;
    changes = 0;
    t0 = nowMs();
    await platform.up(raw, { onEvent });
    const noop = (nowMs() - t0) / 1000;
    process.stdout.write(JSON.stringify({ cold_s: round(cold, 2), noop_s: round(noop, 2), cold_changes: coldChanges, noop_changes: changes }) + "\n");
  } finally {
    await platform?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`platform-up: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
