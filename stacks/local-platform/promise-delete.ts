/**
 * Removing a Promise (a platform `up` whose config no longer lists it): with `deletionPolicy: Cascade`
 * its requests are deleted first (each running its own delete workflow), then the Promise's
 * `workflows.promise.delete` runs, then the `up` removes its Dependencies. A failing request delete or
 * promise delete workflow fails the `up` before anything of the Promise is removed, naming the error.
 */
import { HTTP_STATUS, PlinthError } from "../../components/errors";
import { promiseObject } from "../../components/promise/install-plan";
import type { AnyPromise } from "../../components/promise/types";
import { runDeleteWorkflow } from "../../components/workflow/delete-run";
import { conditionOf } from "../../service/core/conditions";
import { keyOf, type StoredRequest } from "../../service/core/store";
import type { RequestStore } from "../../service/core/store";

const label = (r: StoredRequest) => `${r.object.metadata.namespace}/${r.object.kind}/${r.object.metadata.name}`;

/** Waits until every request is gone; fails as soon as one's delete workflow failed (it keeps retrying). */
export async function waitForCascade(store: RequestStore, recs: readonly StoredRequest[], pollMs = 100): Promise<void> {
  for (;;) {
    const left = recs.map((r) => store.get(keyOf(r))).filter((r): r is StoredRequest => r !== undefined);
    if (left.length === 0) return;
    const failed = left.filter((r) => conditionOf(r.status.conditions, "Stalled")?.reason === "DeleteFailed");
    if (failed.length) {
      throw new PlinthError(
        "CascadeDeleteFailed",
        `cannot remove the Promise: the delete workflow of ${failed.map((r) => `${label(r)} (${conditionOf(r.status.conditions, "Stalled")?.message})`).join("; ")} failed; it is retried with backoff: fix it and run up again, or delete the request with \`plinth delete --force\``,
        { requests: failed.map(label) },
        HTTP_STATUS.conflict,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Runs the promise delete workflow of each removed Promise (with the config it was installed with). */
export async function runPromiseDeleteWorkflows(removed: readonly { definition: AnyPromise; config: unknown }[], log: (line: string) => void): Promise<void> {
  for (const { definition, config } of removed) {
    const pipelines = definition.workflows?.promise?.delete ?? [];
    if (!pipelines.length) continue;
    log(`running the promise delete workflow of "${definition.name}": ${pipelines.map((p) => p.name).join(", ")}`);
    try {
      await runDeleteWorkflow({
        scope: "promise",
        pipelines,
        object: promiseObject(definition),
        config,
        promise: definition.name,
        plural: "promises",
        name: definition.name,
        log: (e) => log(`${definition.name} ${e.step}: ${e.text.trimEnd()}`),
      });
    } catch (err) {
      throw new PlinthError(
        "PromiseDeleteFailed",
        `Promise "${definition.name}": delete workflow failed: ${err instanceof Error ? err.message : String(err)}; the Promise stays installed: fix the workflow and run up again`,
        err instanceof PlinthError ? { cause: err.toJSON() } : undefined,
        HTTP_STATUS.conflict,
      );
    }
  }
}
