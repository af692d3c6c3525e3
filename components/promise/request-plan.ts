/** What reconciling a request means, as data: checks, the resource configure workflow, placements, status. */
import { ValidationError, formatIssues } from "../errors";
import { runPipelines } from "../workflow/run";
import { actionResources, actionSummaries, type ActionResourceSpec } from "../workflow/action-steps";
import { validateDestinations, type DestinationSpec } from "../vocabulary/destination";
import type { PlacementSpec } from "./groups";
import { buildRequestPlacements, type PreviousDestination } from "./request-placements";
import { requestStatus, type RequestPlanStatus } from "./request-status";
import { plaintextCondition, secureSecrets } from "./secrets";
import { redactValues, sensitiveValues } from "./sensitive";
import { parseConfig, validateRequest } from "./schema";
import { assertTenancy, fluxServiceAccount, type Tenant } from "./tenancy";
import type { AnyPromise, ResourceRequestObject } from "./types";
import type * as pulumi from "@pulumi/pulumi";
import type { StepLogSink } from "../workflow/types";
import { pluralOf } from "./define";

export interface RequestInput {
  promise: AnyPromise;
  /** Organisation config of the Promise (validated, defaults applied). */
  config?: unknown;
  /** The request (`apiVersion/kind/metadata/spec`); validated again, so defaults are always applied. */
  request: unknown;
  destinations: DestinationSpec[];
  store: string;
  /** The previous `status.destinations`, to keep each group where it was. */
  previousDestinations?: PreviousDestination[];
  /** Receives the configure workflow's step output (secrets redacted). */
  log?: StepLogSink;
  /**
   * The requesting team: what the workflow renders is checked against its namespaces and the Promise's
   * `clusterScoped` declarations before anything is planned for writing (ForbiddenPlacementError).
   * Omitted only by platform-level callers (a Pulumi program using ResourceRequest directly).
   */
  tenant?: Tenant;
}

export interface RequestPlan {
  request: ResourceRequestObject;
  placements: PlacementSpec[];
  status: RequestPlanStatus;
  outputs: Record<string, unknown>;
  /** One `Action` resource per action the configure workflow declared. */
  actions: ActionResourceSpec[];
  /** The request's sensitive spec values (sensitive.ts), when it has any: its outputs are then a Pulumi secret. */
  sensitiveValues?: string[];
}

/** Synchronous checks; returns the config and request with defaults applied. Throws ValidationError. */
export function checkRequest(args: RequestInput): { config: unknown; request: ResourceRequestObject } {
  const dests = validateDestinations(args.destinations).map((i) => ({ ...i, path: ["destinations", ...i.path] }));
  if (dests.length) throw new ValidationError(`destinations are invalid: ${formatIssues(dests)}`, dests, "InvalidDestinations");
  const cfg = parseConfig(args.promise, args.config);
  if (!cfg.ok) throw new ValidationError(`config of Promise "${args.promise.name}" is invalid: ${formatIssues(cfg.issues)}`, cfg.issues, "InvalidConfig");
  return { config: cfg.value, request: validateRequest(args.promise, args.request) };
}

/** Runs the resource configure workflow, schedules and builds placements, status and outputs. */
export async function planRequest(
  name: string,
  args: RequestInput,
  checked: { config: unknown; request: ResourceRequestObject },
  parent?: pulumi.Resource,
): Promise<RequestPlan> {
  const { config, request } = checked;
  const sensitive = sensitiveValues(args.promise, request.spec);
  const workflow = await runPipelines({
    secrets: sensitive.map((x) => x.value),
    pipelines: args.promise.workflows?.resource?.configure ?? [],
    object: request,
    config,
    phase: { scope: "resource", action: "configure" },
    parent,
    name,
    promise: args.promise.name,
    plural: pluralOf(args.promise),
    log: args.log,
  });
  if (args.tenant) assertTenancy({ tenant: args.tenant, clusterScoped: args.promise.clusterScoped, pipelines: workflow.pipelines });
  const built = buildRequestPlacements({
    name, promise: args.promise, request, workflow, destinations: args.destinations, store: args.store, previous: args.previousDestinations,
  });
  const { placements, plaintext } = secureSecrets(built.placements, args.destinations, sensitive);
  if (args.tenant) {
    const serviceAccountName = fluxServiceAccount(args.tenant);
    for (const p of placements) p.serviceAccountName = serviceAccountName;
  }
  const hc = args.promise.healthChecks;
  if (hc) for (const p of placements) p.health = hc === true || !hc.timeout ? {} : { timeout: hc.timeout };
  const status = requestStatus(workflow, built.schedule, placements);
  const allowed = plaintextCondition(plaintext);
  if (allowed) {
    status.conditions = [...status.conditions, allowed];
    status.plaintextSecrets = plaintext;
  }
  const actions = actionResources(name, workflow);
  if (actions.length) status.actions = actionSummaries(actions);
  const outputs = args.promise.outputs ? args.promise.outputs({ request, config, status }) : {};
  // Status is for display: a sensitive value a workflow copied into it is hidden. Outputs keep them (their
  // consumers need them) and are a Pulumi secret then (request.ts).
  const values = sensitive.map((x) => x.value);
  return { request, placements, status: redactValues(status, values), outputs, actions, ...(values.length ? { sensitiveValues: values } : {}) };
}
