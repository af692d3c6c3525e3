import * as pulumi from "@pulumi/pulumi";
import { Placement, placementArgs } from "../state-store/placement";
import { Action } from "../workflow/actions/resource";
import { asResourceError } from "./errors";
import { checkRequest, planRequest, type RequestInput, type RequestPlan } from "./request-plan";
import type { RequestPlanStatus } from "./request-status";

export const RESOURCE_REQUEST_TYPE = "plinth:promise:ResourceRequest";

export interface ResourceRequestArgs extends RequestInput {
  /**
   * The plan, when the caller already ran the workflow (the service's request program does, so a failing
   * workflow fails the program itself instead of surfacing as rejected outputs).
   */
  plan?: RequestPlan;
}

/**
 * Realises one resource request: runs the Promise's resource configure workflow, schedules its output
 * (Kratix rules, sticky to `previousDestinations`) and writes each group as a `Placement` child under
 * `<dest>/resources/<ns>/<promise>/<name>/<pipeline>/<id>`. Each action a step declares (Slack,
 * PagerDuty, Zendesk, webhook) becomes an `Action` child `<name>-<pipeline>-<step>`: created once,
 * updated only when its inputs change, and undone when the request is deleted (`pulumi destroy`), which
 * is how actions take part in the delete workflow. Exports `status`, the Promise's `outputs` and `actions`
 * (`<pipeline>/<step>` → what the action's handler returned).
 */
export class ResourceRequest extends pulumi.ComponentResource {
  public readonly status: pulumi.Output<RequestPlanStatus>;
  public readonly outputs: pulumi.Output<Record<string, unknown>>;
  public readonly actions: pulumi.Output<Record<string, Record<string, unknown>>>;

  constructor(name: string, args: ResourceRequestArgs, opts?: pulumi.ComponentResourceOptions) {
    super(RESOURCE_REQUEST_TYPE, name, { promise: args.promise?.name }, opts);
    let checked: ReturnType<typeof checkRequest>;
    try {
      checked = checkRequest(args);
    } catch (err) {
      throw asResourceError(err, this);
    }
    const planned = args.plan ? Promise.resolve(args.plan) : planRequest(name, args, checked, this);
    const done = planned.then(
      (plan) => {
        for (const p of plan.placements) new Placement(p.name, placementArgs(p), { parent: this });
        const actions = plan.actions.map((a) => ({ step: a.step, action: new Action(a.resourceName, { kind: a.kind, inputs: a.inputs, step: a.step }, { parent: this }) }));
        return { plan, actions };
      },
      (err) => {
        throw asResourceError(err, this);
      },
    );
    this.status = pulumi.output(done.then((d) => d.plan.status)) as unknown as pulumi.Output<RequestPlanStatus>;
    // Outputs that may carry a sensitive spec value are encrypted in the stack state (sensitive.ts).
    const plan = pulumi.output(done.then((d) => ({ outputs: d.plan.outputs, secret: !!d.plan.sensitiveValues?.length })));
    this.outputs = plan.apply((p) => (p.secret ? pulumi.secret(p.outputs) : pulumi.output(p.outputs))) as unknown as pulumi.Output<Record<string, unknown>>;
    this.actions = actionStates(done.then((d) => d.actions));
    this.registerOutputs({ status: this.status, outputs: this.outputs, actions: this.actions });
  }
}

/** `<pipeline>/<step>` → the Action's state, once every action is done. */
export function actionStates(actions: Promise<{ step: string; action: Action }[]>): pulumi.Output<Record<string, Record<string, unknown>>> {
  return pulumi.output(actions).apply((list) =>
    pulumi.all(list.map((a) => a.action.state)).apply((states) => Object.fromEntries(list.map((a, i) => [a.step, states[i] ?? {}]))),
  ) as pulumi.Output<Record<string, Record<string, unknown>>>;
}
