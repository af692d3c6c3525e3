/**
 * Unified diffs for previews of files against Git (the `diff` package): `---`/`+++` headers, then `@@`
 * hunks with 3 lines of context, as `git diff` prints them. A created file diffs from /dev/null, a deleted
 * one to /dev/null (its current content, all `-`); "\ No newline at end of file" is kept.
 */
import { structuredPatch } from "diff";

export const DIFF_CONTEXT_LINES = 3;

export function unifiedDiff(path: string, before: string | undefined, after: string | undefined): string {
  const from = before === undefined ? "/dev/null" : `a/${path}`;
  const to = after === undefined ? "/dev/null" : `b/${path}`;
  const patch = structuredPatch(from, to, before ?? "", after ?? "", undefined, undefined, { context: DIFF_CONTEXT_LINES });
  const lines = [`--- ${from}`, `+++ ${to}`];
  for (const h of patch.hunks) {
    // An empty side is `-0,0` / `+0,0` (git's form), not a start of 1.
    const range = (start: number, n: number) => (n === 0 ? `${start > 0 ? start - 1 : 0},0` : n === 1 ? `${start}` : `${start},${n}`);
    lines.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  }
  return lines.join("\n") + "\n";
}
