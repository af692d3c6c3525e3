/** Pure builder of what a ResourceRequest writes: each pipeline's output groups, scheduled to one destination each. */
import { resourcesDir, shortId, withKustomization } from "../state-store/layout";
import { destinationPath, type DestinationSpec } from "../vocabulary/destination";
import { scheduleResource, type PreviousPlacement } from "../vocabulary/scheduling";
import type { WorkflowResult } from "../workflow/types";
import { groupFiles, type PlacementSpec } from "./groups";
import type { AnyPromise, ResourceRequestObject } from "./types";

/** Where one group of one pipeline went before (the request's `status.destinations`). */
export interface PreviousDestination extends PreviousPlacement {
  pipeline: string;
}

/** How one group of one pipeline was scheduled. */
export interface GroupSchedule {
  pipeline: string;
  directory?: string;
  /** Undefined when no destination matches. */
  destination?: string;
  reason: "previous" | "hashed" | "unscheduled";
  selector: Record<string, string>;
  message: string;
}

export interface RequestPlacementArgs {
  /** Name of the request component: children are named from it. */
  name: string;
  promise: AnyPromise;
  request: ResourceRequestObject;
  workflow: WorkflowResult;
  destinations: readonly DestinationSpec[];
  store: string;
  previous?: readonly PreviousDestination[];
}

/** `namespace/promise/name`: what the deterministic destination choice hashes. */
export function requestId(promise: AnyPromise, request: ResourceRequestObject): string {
  return `${request.metadata.namespace}/${promise.name}/${request.metadata.name}`;
}

/**
 * For each pipeline, splits the output into the default group and one group per selector directory,
 * schedules each non-empty group to one destination (sticky to `previous`), and places it under
 * `<dest>/resources/<ns>/<promise>/<name>/<pipeline>/<id>`. Unscheduled groups are reported, not written.
 */
export function buildRequestPlacements(args: RequestPlacementArgs): { placements: PlacementSpec[]; schedule: GroupSchedule[] } {
  const { promise, request, name } = args;
  const id = requestId(promise, request);
  const placements: PlacementSpec[] = [];
  const schedule: GroupSchedule[] = [];
  for (const result of args.workflow.pipelines) {
    const sched = scheduleResource({
      destinations: args.destinations,
      promiseSelectors: promise.destinationSelectors,
      workflowSelectors: result.destinationSelectors,
      previous: (args.previous ?? []).filter((p) => p.pipeline === result.pipeline),
      id,
    });
    for (const group of groupFiles(result)) {
      if (Object.keys(group.files).length === 0) continue;
      const g = sched.groups.find((s) => s.directory === group.directory)!;
      const entry: GroupSchedule = { pipeline: result.pipeline, reason: g.reason, selector: g.selector, message: `pipeline "${result.pipeline}" ${g.message}` };
      if (group.directory !== undefined) entry.directory = group.directory;
      if (g.destination !== undefined) entry.destination = g.destination;
      schedule.push(entry);
      if (g.destination === undefined) continue;
      const dest = args.destinations.find((d) => d.name === g.destination)!;
      const gid = shortId(`${id}/${result.pipeline}/${group.directory ?? ""}`);
      const dir = resourcesDir({
        destinationPath: destinationPath(dest),
        namespace: request.metadata.namespace,
        promise: promise.name,
        name: request.metadata.name,
        pipeline: result.pipeline,
        id: gid,
      });
      placements.push({ name: `${name}-${result.pipeline}-${gid}-${dest.name}`, store: dest.stateStore || args.store, dir, destination: dest.name, files: withKustomization(group.files) });
    }
  }
  return { placements, schedule };
}
