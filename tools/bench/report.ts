/**
 * What the bench prints: one JSON line per figure (machine-readable, stable keys) and a human summary
 * table. Pure functions; `tools/bench.ts` does the printing.
 */

export interface Figure {
  /** e.g. `request_to_commit_ms`. */
  figure: string;
  /** The headline value as a short human string, e.g. "p50 812 ms, p95 1 020 ms". */
  summary: string;
  /** The target or comparison the figure is judged by, in words. */
  target: string;
  /** Whether the target holds; null when the figure is informational. */
  ok: boolean | null;
  /** Every number behind the figure (flattened into the JSON line). */
  values: Record<string, unknown>;
}

/** The machine as the figure was taken: core count and 1-minute load average (a shared box is noisy). */
export interface Machine {
  cores: number;
  load1?: number;
}

/** One JSON line: `figure`, the values, `cores`, `load1`, `target`, `ok` (key order fixed). */
export function jsonLine(f: Figure, m: Machine): string {
  return JSON.stringify({ figure: f.figure, ...f.values, cores: m.cores, load1: m.load1, target: f.target, ok: f.ok });
}

/** A figure whose measurement failed: reported, never silently dropped. */
export function failedFigure(figure: string, target: string, err: unknown): Figure {
  const message = err instanceof Error ? err.message : String(err);
  return { figure, summary: `FAILED: ${message.split("\n")[0].slice(0, 120)}`, target, ok: false, values: { error: message.slice(0, 2000) } };
}

const verdict = (ok: boolean | null): string => (ok === null ? "info" : ok ? "yes" : "NO");

/** A plain-text table: figure | result | judged by | ok, columns padded to their widest cell. */
export function formatTable(figures: readonly Figure[], m?: Machine, name = "Plinth bench"): string {
  const rows = [["figure", "result", "judged by", "ok"], ...figures.map((f) => [f.figure, f.summary, f.target, verdict(f.ok)])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const title = m ? `${name} (${m.cores} cores${m.load1 === undefined ? "" : `, load ${m.load1} at the end`})` : name;
  return [title, line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}
