/** Runs the CLI's `main` in-process against the real API server (loopback socket) and the test double. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../cli/main";
import { startHarness, type Harness } from "../../integration/http/harness";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness extends Harness {
  dir: string;
  run(argv: string[], opts?: { stdin?: string; token?: string }): Promise<CliRun>;
  write(name: string, text: string): string;
}

export async function startCli(): Promise<CliHarness> {
  const h = await startHarness();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-cli-"));
  return {
    ...h,
    dir,
    write(name, text) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
    async run(argv, opts = {}) {
      let stdout = "";
      let stderr = "";
      const code = await main(argv, {
        stdout: (t) => void (stdout += t),
        stderr: (t) => void (stderr += t),
        env: { PLINTH_URL: h.server.url, PLINTH_TOKEN: opts.token ?? "token-admin" },
        cwd: dir,
        readStdin: async () => opts.stdin ?? "",
        now: () => Date.now(),
      });
      return { code, stdout, stderr };
    },
    async close() {
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
