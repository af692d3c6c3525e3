import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initCommand, initPromiseCommand, findRepoRoot } from "../../../cli/commands/init-promise";
import { camelCase, pascalCase } from "../../../cli/scaffold";
import { REPO_ROOT } from "./helpers";

function io(cwd: string) {
  const out = { stdout: "", stderr: "" };
  return { out, io: { cwd, stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

const name = `zz-scaffold-test-${crypto.randomBytes(3).toString("hex")}`;
const written = [path.join(REPO_ROOT, "promises", name), path.join(REPO_ROOT, "test", "unit", "promises", `${name}.test.ts`)];
after(() => {
  for (const p of written) fs.rmSync(p, { recursive: true, force: true });
});

describe("plinth init promise", () => {
  test("scaffolds a Promise inside the repo whose generated test passes as generated", () => {
    const { out, io: cio } = io(path.join(REPO_ROOT, "components"));
    // Not registered: the repository's own marketplace.ts stays as it is while other tests read it.
    return initCommand.run(["promise", name, "--no-register"], cio).then((code) => {
      assert.equal(code, 0, out.stderr);
      assert.match(out.stdout, new RegExp(`created Promise "${name}" \\(plinth.dev/v1alpha1 ${pascalCase(name)}\\)`));
      for (const f of ["index.ts", "promise.ts"]) assert.ok(fs.existsSync(path.join(REPO_ROOT, "promises", name, f)), f);
      const testFile = path.join("test", "unit", "promises", `${name}.test.ts`);
      assert.ok(fs.existsSync(path.join(REPO_ROOT, testFile)));
      // A nested test runner must not inherit this runner's child-process protocol (NODE_TEST_CONTEXT).
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;
      const run = spawnSync(process.execPath, ["--import", "tsx", "--test", testFile], { cwd: REPO_ROOT, env, encoding: "utf8", timeout: 120_000 });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^# pass 4$/m);
      assert.match(run.stdout, /^# fail 0$/m);
    });
  });

  test("refuses to overwrite an existing Promise (exit 1) and leaves it unchanged", async () => {
    const before = fs.readFileSync(path.join(REPO_ROOT, "promises", "namespace", "promise.ts"), "utf8");
    const { out, io: cio } = io(REPO_ROOT);
    assert.equal(await initCommand.run(["promise", "namespace"], cio), 1);
    assert.match(out.stderr, /Promise "namespace" already exists: promises\/namespace/);
    assert.equal(fs.readFileSync(path.join(REPO_ROOT, "promises", "namespace", "promise.ts"), "utf8"), before);
  });

  test("bad usage exits 2 naming the problem; --help exits 0", async () => {
    const cases: [string[], RegExp][] = [
      [["promise", "Bad_Name"], /name: "Bad_Name" must be a DNS-1123 label/],
      [["promise", "9lives"], /starting with a letter/],
      [["promise", "testing"], /"testing" is reserved/],
      [["promise", "ok-name", "--kind", "lowercase", "--group", "nodot"], /kind: .*UpperCamelCase.*; group: .*DNS subdomain/],
      [["promise"], /missing <name>/],
      [["project", "x"], /only "promise" is supported/],
      [["promise", "x", "--frobnicate"], /unknown option --frobnicate/],
    ];
    for (const [args, re] of cases) {
      const { out, io: cio } = io(REPO_ROOT);
      assert.equal(await initCommand.run(args, cio), 2, args.join(" "));
      assert.match(out.stderr, re);
    }
    const { out, io: cio } = io(REPO_ROOT);
    assert.equal(await initCommand.run(["--help"], cio), 0);
    assert.match(out.stdout, /usage: plinth init promise <name>/);
  });

  test("--root, --kind and --group are honoured; the root is found from a subdirectory", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-init-"));
    try {
      const { out, io: cio } = io(REPO_ROOT);
      fs.mkdirSync(path.join(tmp, "promises"));
      fs.copyFileSync(path.join(REPO_ROOT, "promises", "marketplace.ts"), path.join(tmp, "promises", "marketplace.ts"));
      assert.equal(await initCommand.run(["promise", "message-queue", "--root", tmp, "--kind", "Queue", "--group=mq.acme.io"], cio), 0, out.stderr);
      // Added to the one registry: an import and a catalogue entry.
      const registry = fs.readFileSync(path.join(tmp, "promises", "marketplace.ts"), "utf8");
      assert.match(registry, /^import \{ messageQueuePromise \} from "\.\/message-queue";$/m);
      assert.match(registry, /^  entry\(messageQueuePromise, "other"\),\n\];$/m);
      assert.match(out.stdout, /registered messageQueuePromise in promises\/marketplace\.ts/);
      const text = fs.readFileSync(path.join(tmp, "promises", "message-queue", "promise.ts"), "utf8");
      assert.match(text, /group: "mq\.acme\.io", version: "v1alpha1", kind: "Queue"/);
      assert.match(text, /export const messageQueuePromise = definePromise/);
      assert.equal(findRepoRoot(path.join(REPO_ROOT, "components", "promise")), REPO_ROOT);
      assert.deepEqual([pascalCase("message-queue"), camelCase("message-queue")], ["MessageQueue", "messageQueue"]);
      // The registry-shaped command passes its parsed flags through.
      let text2 = "";
      const ctx = { args: ["promise", "cache"], flags: { root: tmp, group: "cache.acme.io" }, io: { cwd: REPO_ROOT, stdout: (t: string) => (text2 += t), stderr: (t: string) => (text2 += t) } };
      assert.equal(await initPromiseCommand.run(ctx as unknown as Parameters<typeof initPromiseCommand.run>[0]), 0, text2);
      assert.match(fs.readFileSync(path.join(tmp, "promises", "cache", "promise.ts"), "utf8"), /group: "cache\.acme\.io", version: "v1alpha1", kind: "Cache"/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
