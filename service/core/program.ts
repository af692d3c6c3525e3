/** The inline Pulumi program of one request's stack: the Promise's `ResourceRequest` component. */
import { ResourceRequest } from "../../components/promise/request";
import { checkRequest, planRequest } from "../../components/promise/request-plan";
import type { AnyPromise } from "../../components/promise/types";
import type { PreviousDestination } from "../../components/promise/request-placements";
import type { Tenant } from "../../components/promise/tenancy";
import type { DestinationSpec } from "../../components/vocabulary/destination";
import type { StepLogSink } from "../../components/workflow/types";

export interface RequestProgramArgs {
  promise: AnyPromise;
  config: unknown;
  request: unknown;
  destinations: DestinationSpec[];
  store: string;
  previousDestinations?: PreviousDestination[];
  /** Where the configure workflow's step output goes (step logs). */
  log?: StepLogSink;
  /** The requesting team: what the workflow renders must stay in its namespaces (ForbiddenPlacement). */
  tenant: Tenant;
}

export function requestProgram(name: string, args: RequestProgramArgs): () => Promise<Record<string, unknown>> {
  return async () => {
    const input = {
      promise: args.promise,
      config: args.config,
      request: args.request,
      destinations: args.destinations,
      store: args.store,
      previousDestinations: args.previousDestinations,
      log: args.log,
      tenant: args.tenant,
    };
    // Run the configure workflow first: a failing step fails the program (so the engine deletes nothing)
    // with the step's own message. Do not turn this into `pulumi.log.error` + return: the engine would
    // then treat the program as complete and delete every placement it did not register (measured).
    // The SDK leaves its stack outputs rejected when a program throws; the provider server installed in
    // this process handles those unhandled rejections.
    const plan = await planRequest(name, input, checkRequest(input));
    const rr = new ResourceRequest(name, { ...input, plan });
    return { status: rr.status, outputs: rr.outputs };
  };
}
