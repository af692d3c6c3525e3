/** Shared mode's figures (tools/bench/replicas.ts measures them): judged here, pure. */
import type { Figure } from "./report";
import { REQUEST_P50_TARGET_MS } from "./figures";

/** Target from the highly-available-service issue. */
export const FAILOVER_TARGET_S = 15;

export interface SharedValues {
  request_to_commit_shared: { p50: number; p95: number; n: number };
  replicas_burst100_s: number;
  burst_n: number;
  failover_s: number;
  in_flight: number;
  lost: number;
  duplicated: number;
}

export function sharedFigures(v: SharedValues): Figure[] {
  const seq = v.request_to_commit_shared;
  return [
    {
      figure: "request_to_commit_shared_ms",
      summary: `p50 ${seq.p50} ms, p95 ${seq.p95} ms (n=${seq.n}; Pulumi state in Postgres, POST → Ready seen)`,
      target: `beside request_to_commit_ms (p50 ≤ ${REQUEST_P50_TARGET_MS} ms embedded)`,
      ok: null,
      values: seq,
    },
    {
      figure: "replicas_burst100_s",
      summary: `${v.replicas_burst100_s} s per 100 over 3 replicas (n=${v.burst_n})`,
      target: "informational (3 replicas on one machine: no speed-up expected)",
      ok: null,
      values: { seconds: v.replicas_burst100_s, n: v.burst_n, replicas: 3 },
    },
    {
      figure: "failover_s",
      summary: `${v.failover_s} s (${v.in_flight} in flight on the killed replica); lost ${v.lost}, duplicated ${v.duplicated}`,
      target: `≤ ${FAILOVER_TARGET_S} s; 0 lost, 0 duplicated`,
      ok: v.failover_s <= FAILOVER_TARGET_S && v.lost === 0 && v.duplicated === 0,
      values: { seconds: v.failover_s, in_flight: v.in_flight, lost: v.lost, duplicated: v.duplicated },
    },
  ];
}
