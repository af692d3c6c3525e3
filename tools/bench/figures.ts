/**
 * From measurements to judged figures: each builder names the target or comparison the figure is judged
 * by and decides `ok`. Pure, so the judging is unit-tested.
 */
import type { Figure } from "./report";
import { round } from "./stats";

/** Target from the code-shape issue: `plinth get`, spawn to exit. */
export const CLI_P50_TARGET_MS = 300;

/** Kratix's published figure: ~145 s until 100 requests are all ready. */
export const KRATIX_BURST100_S = 145;
/** Targets from the service issue. */
export const REQUEST_P50_TARGET_MS = 1000;
export const BURST100_TARGET_S = 45;
/** Target from the GitOps issue: POST → `Applied=True` on a local cluster. */
export const APPLIED_P50_TARGET_MS = 3000;
/** The bench's own line for "commit cost does not grow with the repository". */
export const SCALING_RATIO_LIMIT = 2;

export function requestFigure(values: { p50: number; p95: number; n: number } & Record<string, unknown>): Figure {
  const ready = typeof values.ready_seen_p50 === "number" ? `; Ready seen p50 ${values.ready_seen_p50} ms` : "";
  return {
    figure: "request_to_commit_ms",
    summary: `p50 ${values.p50} ms, p95 ${values.p95} ms (n=${values.n}${ready})`,
    target: `p50 ≤ ${REQUEST_P50_TARGET_MS} ms`,
    ok: values.p50 <= REQUEST_P50_TARGET_MS,
    values,
  };
}

/** POST → Applied=True on the local cluster; the split (to commit, commit → applied) in the summary. */
export function appliedFigure(values: { p50: number; p95: number; n: number } & Record<string, unknown>): Figure {
  const split = typeof values.to_commit_p50 === "number" ? `; split p50: to commit ${values.to_commit_p50} ms, commit → Applied ${values.commit_to_applied_p50} ms` : "";
  return {
    figure: "request_to_applied_ms",
    summary: `p50 ${values.p50} ms, p95 ${values.p95} ms (n=${values.n}${split})`,
    target: `p50 ≤ ${APPLIED_P50_TARGET_MS} ms`,
    ok: values.p50 <= APPLIED_P50_TARGET_MS,
    values,
  };
}

/** Target from the GitOps-at-scale issue: POST → `Applied=True` with 200 requests on the destination. */
export const APPLIED_AT_SCALE_P95_TARGET_MS = 3000;

/** applied_at_scale: p50/p95 to Applied on a full destination, and the controllers' CPU per commit by size. */
export function appliedAtScaleFigure(values: { p50: number; p95: number; n: number; requests_on_destination?: unknown; cost_per_commit?: Record<string, { controllers_cpu_s?: number }> } & Record<string, unknown>): Figure {
  const cost = Object.entries(values.cost_per_commit ?? {})
    .map(([k, v]) => `${k.replace("at_", "")}: ${v.controllers_cpu_s} s`)
    .join(", ");
  return {
    figure: "applied_at_scale",
    summary: `p50 ${values.p50} ms, p95 ${values.p95} ms with ${values.requests_on_destination} requests on the destination (n=${values.n}); controller CPU per commit ${cost}`,
    target: `p95 ≤ ${APPLIED_AT_SCALE_P95_TARGET_MS} ms`,
    ok: values.p95 <= APPLIED_AT_SCALE_P95_TARGET_MS,
    values,
  };
}

/** A burst of `n`; judged per 100 requests (scaled linearly when `n` is not 100, e.g. with --quick). */
export function burstFigure(seconds: number, n: number, extra: Record<string, unknown> = {}): Figure {
  const per100 = (seconds * 100) / n;
  const scaled = n === 100 ? "" : ` (n=${n}, scaled ×${round(100 / n, 2)})`;
  return {
    figure: "burst100_s",
    summary: `${round(seconds, 1)} s for ${n}${n === 100 ? "" : ` → ${round(per100, 1)} s per 100`}; ${round(KRATIX_BURST100_S / per100, 1)}× Kratix`,
    target: `≤ ${BURST100_TARGET_S} s per 100${scaled}; Kratix ~${KRATIX_BURST100_S} s`,
    ok: per100 <= BURST100_TARGET_S,
    values: { seconds: round(seconds, 2), ...extra, n, per100_s: round(per100, 2), kratix_s: KRATIX_BURST100_S, vs_kratix: round(KRATIX_BURST100_S / per100, 2) },
  };
}

export function scalingFigure(emptyMs: number, fullMs: number, existingDirs: number, samples: number): Figure {
  const ratio = fullMs / emptyMs;
  return {
    figure: "commit_scaling",
    summary: `×${round(ratio, 2)} (${existingDirs} dirs ${round(fullMs)} ms / empty ${round(emptyMs)} ms, median of ${samples})`,
    target: `ratio vs 1.0 (flat); ≤ ${SCALING_RATIO_LIMIT}`,
    ok: ratio <= SCALING_RATIO_LIMIT,
    values: { ratio: round(ratio, 2), empty_ms: round(emptyMs, 1), full_ms: round(fullMs, 1), existing_dirs: existingDirs, samples },
  };
}

/** `plinth get` against the running platform, a new process each time (tools/bench/cli-time.ts). */
export function cliFigure(values: { p50: number; p95: number; n: number } & Record<string, unknown>): Figure {
  return {
    figure: "cli_ms",
    summary: `plinth get p50 ${values.p50} ms, p95 ${values.p95} ms (n=${values.n})`,
    target: `p50 ≤ ${CLI_P50_TARGET_MS} ms`,
    ok: values.p50 <= CLI_P50_TARGET_MS,
    values,
  };
}

export interface RssValues {
  idle_start: number;
  idle: number;
  peak: number;
  children_peak: number;
  total_peak: number;
  max_children: number;
}

export function rssFigure(v: RssValues): Figure {
  const r = (x: number) => round(x);
  return {
    figure: "rss_mb",
    summary: `service idle ${r(v.idle)} MB, burst peak ${r(v.peak)} MB; pulumi children peak ${r(v.children_peak)} MB (${v.max_children} procs)`,
    target: "informational (service process; CLI children separately)",
    ok: null,
    values: { idle_start: r(v.idle_start), idle: r(v.idle), peak: r(v.peak), children_peak: r(v.children_peak), total_peak: r(v.total_peak), max_children: v.max_children },
  };
}

export function startFigure(v: { seconds: number; state: string; boot_s?: number; up_s?: number } & Record<string, unknown>): Figure {
  const parts = [v.state === "existing" ? "existing .plinth state" : "fresh .plinth"];
  if (v.boot_s !== undefined) parts.push(`npm+tsx boot ${v.boot_s} s`);
  if (v.up_s !== undefined) parts.push(`up ${v.up_s} s`);
  return {
    figure: "start_s",
    summary: `${v.seconds} s (npm start; ${parts.join(", ")})`,
    target: "informational (toolchain built)",
    ok: null,
    values: v,
  };
}

export function platformUpFigure(v: { cold_s: number; noop_s: number } & Record<string, unknown>): Figure {
  return {
    figure: "platform_up_s",
    summary: `cold ${v.cold_s} s, no-op ${v.noop_s} s (no-op/cold ×${round(v.noop_s / v.cold_s, 2)})`,
    target: "informational (local stack, fresh dir)",
    ok: null,
    values: v,
  };
}
