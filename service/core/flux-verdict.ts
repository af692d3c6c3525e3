/**
 * Pure verdicts of the closed loop (service/core/applied.ts): what a request's Flux Kustomization says
 * about the commit of its files (`Applied`) and about what it applied (`Healthy`).
 */
import type { Condition } from "./types";
import type { FluxKustomizationState } from "../../components/flux/status-source";

/** Kustomization `Ready=False` reasons that mean "not yet" rather than "failed". */
const WAITING_REASONS = new Set(["DependencyNotReady", "Progressing", "ProgressingWithRetry", "ArtifactFailed", "SourceNotReady"]);

/** The branch a Flux revision names (`<branch>@sha1:<id>`), if any. */
export function revisionBranch(revision: string | undefined): string | undefined {
  return revision ? /^(.+)@sha1:[0-9a-f]{40}$/.exec(revision)?.[1] : undefined;
}

/** The commit id in a Flux revision (`main@sha1:<id>`, or a bare id). */
export function revisionCommit(revision: string | undefined): string | undefined {
  return revision ? /(?:sha1:)?([0-9a-f]{40})$/.exec(revision)?.[1] : undefined;
}

export type Verdict = { state: "pending"; message: string } | { state: "applied"; revision: string; unhealthy?: boolean } | { state: "failed"; reason: string; message: string; revision: string };

/**
 * Pure: what one Kustomization says about a target commit. `contains(c, branch)` tells whether commit `c`
 * (of the revision's `branch`, e.g. a scope branch) is the target or a descendant of it.
 */
export async function judge(k: FluxKustomizationState | undefined, contains: (commit: string, branch: string | undefined) => Promise<boolean>): Promise<Verdict> {
  if (!k) return { state: "pending", message: "waiting for Flux to create the request's Kustomization" };
  const applied = revisionCommit(k.lastAppliedRevision);
  const attempted = revisionCommit(k.lastAttemptedRevision);
  const ready = k.ready;
  if (ready?.status === "True" && applied && (await contains(applied, revisionBranch(k.lastAppliedRevision)))) return { state: "applied", revision: k.lastAppliedRevision! };
  // Applied, but what it applied failed its health checks (Flux keeps lastAppliedRevision for healthy ones).
  if (ready?.reason === "HealthCheckFailed" && attempted && (await contains(attempted, revisionBranch(k.lastAttemptedRevision)))) return { state: "applied", revision: k.lastAttemptedRevision!, unhealthy: true };
  if (ready?.status === "False" && !WAITING_REASONS.has(ready.reason) && attempted && (await contains(attempted, revisionBranch(k.lastAttemptedRevision)))) {
    return { state: "failed", reason: ready.reason, message: ready.message, revision: k.lastAttemptedRevision! };
  }
  return { state: "pending", message: ready ? `Flux: ${ready.reason}: ${ready.message}` : "waiting for Flux to reconcile" };
}

/** A request's commit on one cluster destination (what `Applied` waits for). */
export interface AppliedTarget {
  destination: string;
  /** The commit holding the request's files for that destination. */
  commit: string;
}

/**
 * Pure: the request's `Healthy` condition from the Kustomizations that run health checks (`wait`), or
 * undefined when none does. False when any failed (Flux's message), Unknown while any is checking or a
 * newer revision is still to be applied, True when all passed.
 */
export function healthCondition(verdicts: { target: AppliedTarget; v: Verdict; k: FluxKustomizationState | undefined }[], pending: boolean): Omit<Condition, "lastTransitionTime"> | undefined {
  const checked = verdicts.filter((x) => x.k?.health);
  if (!checked.length) return undefined;
  const says = (x: (typeof checked)[number]) => `${x.target.destination}: ${x.k!.health!.message}`;
  const failed = checked.filter((x) => x.k!.health!.status === "False" && x.v.state === "applied");
  if (failed.length) return { type: "Healthy", status: "False", reason: "HealthCheckFailed", message: failed.map(says).join("; ") };
  if (pending || checked.some((x) => x.k!.health!.status !== "True" || x.v.state !== "applied")) {
    return { type: "Healthy", status: "Unknown", reason: "Progressing", message: "waiting for Flux's health checks of the applied revision" };
  }
  return { type: "Healthy", status: "True", reason: "HealthCheckSucceeded", message: checked.map(says).join("; ") };
}
