import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkpointFile, createCheckpoint, projectMode, validStackName } from "../../../service/engine/file-backend";

describe("file backend: stacks written without the CLI", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-fb-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("project mode only when .pulumi/meta.yaml says version 1", () => {
    assert.equal(projectMode(dir), false);
    fs.mkdirSync(path.join(dir, ".pulumi"));
    fs.writeFileSync(path.join(dir, ".pulumi", "meta.yaml"), "version: 0\n");
    assert.equal(projectMode(dir), false);
    fs.writeFileSync(path.join(dir, ".pulumi", "meta.yaml"), "version: 1\n");
    assert.equal(projectMode(dir), true);
  });

  test("the checkpoint names the stack, is created once and never overwritten; no temp file stays", () => {
    assert.equal(createCheckpoint(dir, "proj", "a.b-c"), true);
    const file = checkpointFile(dir, "proj", "a.b-c");
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { version: 3, checkpoint: { stack: "organization/proj/a.b-c" } });
    fs.writeFileSync(file, "deployed state");
    assert.equal(createCheckpoint(dir, "proj", "a.b-c"), false);
    assert.equal(fs.readFileSync(file, "utf8"), "deployed state");
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ["a.b-c.json"]);
  });

  test("stack names as the CLI validates them", () => {
    assert.equal(validStackName("default.teamnamespace.x-1_y"), true);
    assert.equal(validStackName("bad name"), false);
    assert.equal(validStackName("a/b"), false);
    assert.equal(validStackName("x".repeat(101)), false);
  });
});
