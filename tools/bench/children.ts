/** Child processes the bench starts: a tsx script whose last stdout line is JSON, and the start command. */
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";

/** Runs `node --import tsx <script>` in `cwd`; stderr is passed through; answers the last stdout line as JSON. */
export function runJsonScript<T>(cwd: string, script: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result: ${last.slice(0, 300)}`));
      }
    });
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Stops a child started with `detached: true` (its own process group): SIGINT to the group, then
 * SIGKILL to the group after `graceMs`. Answers how it ended.
 */
export async function stopGroup(child: ChildProcess, graceMs = 15_000): Promise<"exited" | "killed"> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return "exited";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      /* already gone */
    }
  };
  signal("SIGINT");
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
  if (!timedOut) return "exited";
  signal("SIGKILL");
  await exited;
  return "killed";
}
