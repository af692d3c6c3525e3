/** A preview: where the request would go, each file's change with its diff, and the actions. */
import type { PreviewResult } from "../../service/core/types";

const MARK: Record<string, string> = { create: "+", update: "~", delete: "-", same: "=" };

export function formatPreview(p: PreviewResult): string {
  const lines = [`${p.kind} ${p.namespace}/${p.name}`, `  destinations: ${p.destinations.length ? p.destinations.join(", ") : "(none)"}`];
  lines.push(`  files (${p.files.length}):`);
  for (const f of p.files) {
    lines.push(`    ${MARK[f.change] ?? "?"} ${f.change.padEnd(6)} ${f.destination}: ${f.path}`);
    if (f.change !== "same" && f.diff.trim()) lines.push(...f.diff.trimEnd().split("\n").map((l) => `        ${l}`));
  }
  if (p.actions.length) {
    lines.push(`  actions (${p.actions.length}):`);
    for (const a of p.actions) lines.push(`    ${MARK[a.change] ?? "~"} ${a.change.padEnd(6)} ${a.kind} ${a.name}`);
  }
  return lines.join("\n") + "\n";
}
