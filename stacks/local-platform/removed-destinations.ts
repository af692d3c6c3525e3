/**
 * A platform `up` that removes destinations (DESIGN.md §4): the destination's directory goes with its
 * `DestinationRoot`, so the requests placed there are run again first, on the destinations that remain
 * — each moves to another matching destination, or goes Stalled with `NoDestination` — before the `up`
 * deletes the directory. Pure: which destinations go, and which requests they hold.
 */
import type { StoredRequest } from "../../service/core/store";
import { keyOf } from "../../service/core/store";
import type { RequestKey } from "../../service/core/types";

export interface RemovalPlan {
  /** Names of destinations in the previous config and not in the next one. */
  removed: string[];
  /** Live requests with a group on a removed destination. */
  affected: RequestKey[];
}

export function planDestinationRemoval(input: { requests: readonly StoredRequest[]; previous: readonly string[]; next: readonly string[] }): RemovalPlan {
  const removed = input.previous.filter((n) => !input.next.includes(n));
  const affected = input.requests
    .filter((r) => !r.object.metadata.deletionTimestamp && (r.status.destinations ?? []).some((d) => removed.includes(d)))
    .map(keyOf);
  return { removed, affected };
}
