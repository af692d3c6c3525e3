import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { unifiedDiff } from "../../../service/core/diff";

describe("preview diffs are unified hunks", () => {
  test("an update shows only the changed lines with 3 lines of context, in @@ hunks", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
    const after = before.replace("line 10\n", "line ten\n").replace("line 20\n", "line 20\nline 21\n");
    assert.equal(
      unifiedDiff("dev/ns/cm.yaml", before, after),
      [
        "--- a/dev/ns/cm.yaml",
        "+++ b/dev/ns/cm.yaml",
        "@@ -7,7 +7,7 @@",
        " line 7",
        " line 8",
        " line 9",
        "-line 10",
        "+line ten",
        " line 11",
        " line 12",
        " line 13",
        "@@ -18,3 +18,4 @@",
        " line 18",
        " line 19",
        " line 20",
        "+line 21",
        "",
      ].join("\n"),
    );
  });

  test("a created file comes from /dev/null, a deleted one goes to it with its content", () => {
    assert.equal(unifiedDiff("d/a.yaml", undefined, "a: 1\nb: 2\n"), "--- /dev/null\n+++ b/d/a.yaml\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n");
    assert.equal(unifiedDiff("d/a.yaml", "a: 1\n", undefined), "--- a/d/a.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a: 1\n");
  });

  test("a missing final newline is marked, as git does", () => {
    assert.equal(unifiedDiff("f", "x\n", "x"), "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n");
  });
});
