/**
 * cli_ms: `plinth get` against the running platform, as a user types it: `node cli/bin.mjs get` in a new
 * process (the compiled bundle, built first and checked fresh, so what is timed is not the tsx fallback),
 * wall time from spawn to exit. Sequential; every run must exit 0 and print the request table.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { buildCli, cliBuildIsStale } from "../cli-build";
import { nowMs, percentile, round } from "./stats";

export async function measureCli(opts: { root: string; url: string; token: string; n: number; log: (line: string) => void }): Promise<{ p50: number; p95: number; min: number; max: number; n: number }> {
  if (cliBuildIsStale()) {
    opts.log("cli_ms: building the CLI (npm run build)");
    await buildCli();
  }
  const bin = path.join(opts.root, "cli", "bin.mjs");
  const env = { ...process.env, PLINTH_URL: opts.url, PLINTH_TOKEN: opts.token };
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = nowMs();
      execFile(process.execPath, [bin, "get"], { env, cwd: opts.root }, (err, stdout, stderr) => {
        const ms = nowMs() - t0;
        if (err) return reject(new Error(`plinth get failed: ${stderr.trim() || err.message}`));
        if (!/^NAMESPACE\s+KIND\s+NAME/m.test(stdout)) return reject(new Error(`plinth get printed no table: ${stdout.slice(0, 200)}`));
        resolve(ms);
      });
    });
  const xs: number[] = [];
  for (let i = 0; i < opts.n; i++) xs.push(await once());
  return { p50: round(percentile(xs, 50)), p95: round(percentile(xs, 95)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length };
}
