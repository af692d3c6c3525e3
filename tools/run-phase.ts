/** Runs one build phase of a toolchain (a child process) with progress lines: phase, elapsed seconds. */
import { spawn } from "node:child_process";

export function runPhase(tag: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, phase: string, log: (l: string) => void): Promise<void> {
  const started = Date.now();
  log(`[${tag}] ${phase} ...`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const tick = setInterval(() => log(`[${tag}] ${phase}: ${Math.round((Date.now() - started) / 1000)} s elapsed`), 15_000);
    child.on("error", (err) => {
      clearInterval(tick);
      reject(err);
    });
    child.on("close", (code) => {
      clearInterval(tick);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (code === 0) {
        log(`[${tag}] ${phase}: done in ${secs} s`);
        resolve();
      } else reject(new Error(`[${tag}] ${phase} failed (exit ${code}) after ${secs} s:\n${output.slice(-4000)}`));
    });
  });
}
