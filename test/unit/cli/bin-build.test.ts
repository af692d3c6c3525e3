import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildCli, cliBuildIsStale } from "../../../tools/cli-build";

const REPO = path.resolve(__dirname, "../../..");

/** A checkout in miniature: the real bin, a bundle and a cli/main.ts that say which of them ran. */
function miniCheckout(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-bin-"));
  fs.mkdirSync(path.join(root, "cli"));
  fs.mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  fs.copyFileSync(path.join(REPO, "cli", "bin.mjs"), path.join(root, "cli", "bin.mjs"));
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
  fs.writeFileSync(path.join(root, "cli", "main.ts"), `export async function main(argv: string[]): Promise<number> { process.stdout.write("tsx " + argv.join(" ")); return 3; }\n`);
  fs.writeFileSync(path.join(root, "cli", "source.ts"), "export {};\n");
  fs.writeFileSync(path.join(root, "dist", "cli", "main.cjs"), `exports.main = async (argv) => { process.stdout.write("bundle " + argv.join(" ")); return 4; };\n`);
  fs.writeFileSync(path.join(root, "dist", "cli", "inputs.json"), JSON.stringify({ inputs: ["cli/source.ts"] }));
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(root, "cli", "source.ts"), old, old);
  return root;
}

function run(root: string): { code: number; stdout: string } {
  try {
    return { code: 0, stdout: execFileSync(process.execPath, [path.join(root, "cli", "bin.mjs"), "get", "x"], { encoding: "utf8" }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { code: e.status, stdout: e.stdout };
  }
}

describe("cli/bin.mjs picks the build or the sources", () => {
  test("a fresh bundle runs; an input newer than it, or gone, falls back to cli/main.ts through tsx", () => {
    const root = miniCheckout();
    try {
      assert.deepEqual(run(root), { code: 4, stdout: "bundle get x" });
      fs.utimesSync(path.join(root, "cli", "source.ts"), new Date(), new Date(Date.now() + 5_000));
      assert.deepEqual(run(root), { code: 3, stdout: "tsx get x" });
      fs.rmSync(path.join(root, "cli", "source.ts"));
      assert.deepEqual(run(root), { code: 3, stdout: "tsx get x" });
      fs.rmSync(path.join(root, "dist"), { recursive: true });
      assert.deepEqual(run(root), { code: 3, stdout: "tsx get x" });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test("buildCli bundles cli/main.ts with its inputs listed; the bundle runs `plinth help`", async () => {
    // Inside the checkout, as dist/cli is: yaml is required from node_modules at run time.
    fs.mkdirSync(path.join(REPO, "dist"), { recursive: true });
    const dist = fs.mkdtempSync(path.join(REPO, "dist", "test-cli-"));
    try {
      assert.equal(cliBuildIsStale(dist), true);
      await buildCli(dist);
      assert.equal(cliBuildIsStale(dist), false);
      const { inputs } = JSON.parse(fs.readFileSync(path.join(dist, "inputs.json"), "utf8")) as { inputs: string[] };
      assert.ok(inputs.includes("cli/main.ts") && inputs.includes("cli/commands/get.ts"), inputs.join(" "));
      assert.ok(!inputs.some((f) => f.includes("@pulumi")), "no Pulumi SDK on the CLI's path");
      // yaml is required on use, not bundled: `plinth get` as a table never loads it.
      assert.ok(!inputs.some((f) => f.startsWith("node_modules/yaml")));
      const out = execFileSync(process.execPath, ["-e", `require(${JSON.stringify(path.join(dist, "main.cjs"))}).main(["help"]).then((c) => process.exit(c))`], { encoding: "utf8" });
      assert.match(out, /^usage: plinth <command>/);
      assert.match(out, /^ {2}get /m);
      assert.doesNotMatch(fs.readFileSync(path.join(dist, "main.cjs"), "utf8"), /^var \w+ = __toESM\(require\("yaml"\)\)/m, "yaml is required lazily");
    } finally {
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});
