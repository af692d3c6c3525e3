/** What `GET …/logs` answers: the stored step logs of one generation of a request. */
import { BadRequestError } from "../../components/errors";
import { conditionOf } from "./conditions";
import type { StepLogStore } from "./step-logs";
import { stackNameOf } from "./keys";
import { keyOf, type StoredRequest } from "./store";
import type { StepLogs } from "./types";

/** Whether a run of the request is queued or in progress (so following its logs makes sense). */
export function runInProgress(rec: StoredRequest, queued: boolean): boolean {
  return (
    queued ||
    rec.object.metadata.deletionTimestamp !== undefined ||
    rec.status.observedGeneration < rec.object.metadata.generation ||
    conditionOf(rec.status.conditions, "Reconciling")?.status === "True"
  );
}

export function readLogs(logs: StepLogStore, rec: StoredRequest, opts: { generation?: number; step?: string; running: boolean }): StepLogs {
  if (opts.generation !== undefined && !(Number.isInteger(opts.generation) && opts.generation > 0)) {
    throw new BadRequestError(`generation must be a whole number > 0, got ${String(opts.generation)}`, { query: "generation" }, "BadQuery");
  }
  const key = keyOf(rec);
  const stack = stackNameOf(key);
  const { generation, entries } = logs.read(stack, { generation: opts.generation, step: opts.step });
  return {
    ...key,
    ...(generation !== undefined ? { generation } : {}),
    generations: logs.generations(stack),
    entries,
    running: runInProgress(rec, opts.running),
  };
}
