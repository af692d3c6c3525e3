/** The inline Pulumi program of one request's stack: the Promise's `ResourceRequest` component. */
import { ResourceRequest } from "../../components/promise/request";
import type { AnyPromise } from "../../components/promise/types";
import type { PreviousDestination } from "../../components/promise/request-placements";
import type { DestinationSpec } from "../../destinations/types";

export interface RequestProgramArgs {
  promise: AnyPromise;
  config: unknown;
  request: unknown;
  destinations: DestinationSpec[];
  store: string;
  previousDestinations?: PreviousDestination[];
}

export function requestProgram(name: string, args: RequestProgramArgs): () => Promise<Record<string, unknown>> {
  return async () => {
    const rr = new ResourceRequest(name, {
      promise: args.promise,
      config: args.config,
      request: args.request,
      destinations: args.destinations,
      store: args.store,
      previousDestinations: args.previousDestinations,
    });
    return { status: rr.status, outputs: rr.outputs };
  };
}
