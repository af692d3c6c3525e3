import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_URL, resolveConnection } from "../../../cli/config";
import { startHarness } from "../../integration/http/harness";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "plinth-cfg-"));
}

describe("connection settings", () => {
  test("env wins, else .plinth files in the nearest parent, else the default", () => {
    const root = tmp();
    const deep = path.join(root, "a", "b");
    fs.mkdirSync(deep, { recursive: true });
    assert.deepEqual(resolveConnection({}, deep), { url: DEFAULT_URL, token: undefined });
    fs.mkdirSync(path.join(root, ".plinth"));
    fs.writeFileSync(path.join(root, ".plinth", "url"), "http://127.0.0.1:9999/\n");
    fs.writeFileSync(path.join(root, ".plinth", "token"), "file-token\n");
    assert.deepEqual(resolveConnection({}, deep), { url: "http://127.0.0.1:9999", token: "file-token" });
    assert.deepEqual(resolveConnection({ PLINTH_URL: "http://h:1", PLINTH_TOKEN: "env-token" }, deep), { url: "http://h:1", token: "env-token" });
    assert.deepEqual(resolveConnection({ PLINTH_TOKEN: "env-token" }, deep), { url: "http://127.0.0.1:9999", token: "env-token" });
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe("cli/bin.mjs", () => {
  test("runs from another directory, reading .plinth/url and .plinth/token there", async () => {
    const h = await startHarness();
    const dir = tmp();
    try {
      fs.mkdirSync(path.join(dir, ".plinth"));
      fs.writeFileSync(path.join(dir, ".plinth", "url"), h.server.url);
      fs.writeFileSync(path.join(dir, ".plinth", "token"), "token-admin");
      const bin = path.resolve(__dirname, "../../../cli/bin.mjs");
      const env = { ...process.env };
      delete env.PLINTH_URL;
      delete env.PLINTH_TOKEN;
      const run = (args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, [bin, ...args], { cwd: dir, env }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
          );
        });
      const ok = await run(["promises"]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /^team-namespace +1\.0\.0 +TeamNamespace/m);
      const missing = await run(["get", "TeamNamespace", "nope"]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^error: RequestNotFound: /);
    } finally {
      await h.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
