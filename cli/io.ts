/** Everything the CLI touches outside itself, injectable so tests run `main` in-process. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  fetch: typeof fetch;
  now(): number;
  /** Opens a URL in the user's browser, best effort (failures are ignored). */
  openUrl?(url: string): void;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString("utf8");
}

export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    readFile: (p) => fs.promises.readFile(p, "utf8"),
    readStdin: readAllStdin,
    fetch: (...args) => globalThis.fetch(...args),
    now: () => Date.now(),
    openUrl: openInBrowser,
  };
}

/** `open` (macOS), `cmd /c start` (Windows) or `xdg-open`; a missing opener is ignored. */
function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // no browser here: the printed link is enough
  }
}
