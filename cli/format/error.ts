/** `error: <code>: <message>` plus one line per field issue in `details.issues`. */
export function formatError(err: unknown): string {
  if (!(err instanceof Error)) return `error: ${String(err)}\n`;
  const e = err as Error & { code?: unknown; details?: unknown };
  const code = typeof e.code === "string" ? e.code : "Error";
  const lines = [`error: ${code}: ${e.message}`];
  const details = e.details as { issues?: { path?: unknown[]; message?: string }[]; accepted?: { kind: string; namespace: string; name: string }[] } | undefined;
  for (const issue of details?.issues ?? []) {
    const path = Array.isArray(issue.path) && issue.path.length ? issue.path.join(".") : "(root)";
    lines.push(`  ${path}: ${issue.message ?? ""}`);
  }
  for (const a of details?.accepted ?? []) lines.push(`  accepted before the error: ${a.kind} ${a.namespace}/${a.name}`);
  return lines.join("\n") + "\n";
}
