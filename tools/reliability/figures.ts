/**
 * The suite's figures as data: each check's counts → a `Figure` (tools/bench/report.ts) whose `ok` says
 * whether the invariant held. Pure; the runners in this folder gather the counts.
 */
import type { Figure } from "../bench/report";

/** Up to `n` examples, each cut to `len` characters (a figure line stays readable). */
export function examples(list: readonly string[], n = 5, len = 300): string[] {
  return list.slice(0, n).map((s) => (s.length > len ? `${s.slice(0, len)}…` : s));
}

export interface FuzzCounts {
  bodies: number;
  /** Responses by status code (0 = no answer). */
  byStatus: Record<string, number>;
  /** Bodies of which the platform accepted at least one document. */
  accepted: number;
  /** Batches in which every body was refused, and the commits made during them. */
  rejectedBatches: number;
  rejectedBatchCommits: number;
  /** Requests stored during rejected-only batches. */
  rejectedBatchRequests: number;
  failures: string[];
}

export function fuzzFigure(c: FuzzCounts, wanted: number): Figure {
  const fivexx = Object.entries(c.byStatus).filter(([s]) => Number(s) >= 500).reduce((a, [, n]) => a + n, 0);
  const noAnswer = c.byStatus["0"] ?? 0;
  const ok = c.bodies >= wanted && fivexx === 0 && noAnswer === 0 && c.rejectedBatchCommits === 0 && c.rejectedBatchRequests === 0;
  return {
    figure: "fuzz",
    summary: `${c.bodies} bodies: ${fivexx} × 5xx, ${noAnswer} unanswered, ${c.rejectedBatchCommits} commits in ${c.rejectedBatches} rejected-only batches`,
    target: `≥ ${wanted} bodies, 0 × 5xx, 0 commits from rejected bodies`,
    ok,
    values: { bodies: c.bodies, responses_5xx: fivexx, unanswered: noAnswer, accepted: c.accepted, rejected_batches: c.rejectedBatches, rejected_batch_commits: c.rejectedBatchCommits, rejected_batch_requests: c.rejectedBatchRequests, by_status: c.byStatus, failures: examples(c.failures) },
  };
}

export interface RaceCounts {
  interleavings: number;
  operations: number;
  acknowledged: number;
  /** Names whose final state is not their last acknowledged write (Git or status). */
  lost: string[];
  /** Names that did not settle (not Ready, not gone) after the platform was idle. */
  unsettled: string[];
  responses5xx: number;
}

export function racesFigure(c: RaceCounts, wanted: number): Figure {
  const ok = c.interleavings >= wanted && c.lost.length === 0 && c.unsettled.length === 0 && c.responses5xx === 0;
  return {
    figure: "races",
    summary: `${c.interleavings} interleavings, ${c.acknowledged}/${c.operations} writes acknowledged: ${c.lost.length} lost, ${c.unsettled.length} unsettled`,
    target: `≥ ${wanted} interleavings, 0 lost acknowledged writes`,
    ok,
    values: { interleavings: c.interleavings, operations: c.operations, acknowledged: c.acknowledged, lost: c.lost.length, unsettled: c.unsettled.length, responses_5xx: c.responses5xx, failures: examples([...c.lost, ...c.unsettled]) },
  };
}

export interface TenancyCounts {
  /** Cross-team calls made (every endpoint × verb against the other team's objects). */
  probes: number;
  crossReads: string[];
  crossWrites: string[];
  /** Escape attempts made, and those that reached Git. */
  escapes: number;
  escapesCommitted: string[];
  responses5xx: number;
}

export function tenancyFigure(c: TenancyCounts): Figure {
  const ok = c.crossReads.length === 0 && c.crossWrites.length === 0 && c.escapesCommitted.length === 0 && c.responses5xx === 0;
  return {
    figure: "tenancy",
    summary: `${c.probes} cross-team calls: ${c.crossReads.length} reads, ${c.crossWrites.length} writes; ${c.escapes} escapes: ${c.escapesCommitted.length} committed`,
    target: "0 cross-team reads or writes, 0 escapes committed",
    ok,
    values: { probes: c.probes, cross_reads: c.crossReads.length, cross_writes: c.crossWrites.length, escapes: c.escapes, escapes_committed: c.escapesCommitted.length, responses_5xx: c.responses5xx, failures: examples([...c.crossReads, ...c.crossWrites, ...c.escapesCommitted]) },
  };
}

export interface CrashCounts {
  kills: number;
  acknowledged: number;
  /** Acknowledged requests not in their acknowledged state after the last restart settled. */
  unconverged: string[];
  /** Side effects a receiver saw other than exactly once. */
  sideEffects: number;
  duplicateOrMissing: string[];
  lockedStacks: string[];
}

export function crashFigure(c: CrashCounts, wanted: number): Figure {
  const ok = c.kills >= wanted && c.unconverged.length === 0 && c.duplicateOrMissing.length === 0 && c.lockedStacks.length === 0;
  return {
    figure: "crash",
    summary: `${c.kills} SIGKILLs, ${c.acknowledged} acknowledged: ${c.unconverged.length} not converged, ${c.duplicateOrMissing.length}/${c.sideEffects} side effects not once, ${c.lockedStacks.length} locked`,
    target: `≥ ${wanted} kills; all converge; each side effect once; no lock left`,
    ok,
    values: { kills: c.kills, acknowledged: c.acknowledged, unconverged: c.unconverged.length, side_effects: c.sideEffects, side_effects_not_once: c.duplicateOrMissing.length, locked_stacks: c.lockedStacks.length, failures: examples([...c.unconverged, ...c.duplicateOrMissing, ...c.lockedStacks]) },
  };
}

export interface OutageCounts {
  outageSeconds: number;
  /** Requests whose reconcile met the outage (tried the store and failed). */
  requests: number;
  /** Requests whose conditions named the unreachable store during the outage. */
  reported: number;
  /** Requests Ready (falsely) while their files could not have been pushed. */
  falselyReady: string[];
  /** Requests whose reconcile did not come round during the outage (queued behind others): no attempt, nothing to report. */
  waiting?: number;
  /** Affected requests whose status never said why (no condition named the State Store). */
  silent?: string[];
  unconverged: string[];
  convergeSeconds?: number;
}

export function outageFigure(c: OutageCounts): Figure {
  const ok = c.requests > 0 && c.reported === c.requests && c.falselyReady.length === 0 && c.unconverged.length === 0;
  return {
    figure: "git_outage",
    summary: `${c.outageSeconds} s outage, ${c.requests} requests tried the store: ${c.reported} reported it, ${c.falselyReady.length} falsely Ready, ${c.unconverged.length} not converged${c.convergeSeconds === undefined ? "" : ` (converged ${c.convergeSeconds.toFixed(1)} s after)`}`,
    target: "conditions say so during the outage; all converge after",
    ok,
    values: { outage_s: c.outageSeconds, requests: c.requests, reported: c.reported, waiting: c.waiting ?? 0, falsely_ready: c.falselyReady.length, unconverged: c.unconverged.length, converge_s: c.convergeSeconds, failures: examples([...c.falselyReady, ...(c.silent ?? []), ...c.unconverged]) },
  };
}
