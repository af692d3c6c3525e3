import * as pulumi from "@pulumi/pulumi";
import { Placement } from "../state-store/placement";
import { asResourceError } from "./errors";
import { checkRequest, planRequest, type RequestInput } from "./request-plan";
import type { RequestStatus } from "./request-status";

export const RESOURCE_REQUEST_TYPE = "plinth:promise:ResourceRequest";

export type ResourceRequestArgs = RequestInput;

/**
 * Realises one resource request: runs the Promise's resource configure workflow, schedules its output
 * (Kratix rules, sticky to `previousDestinations`) and writes each group as a `Placement` child under
 * `<dest>/resources/<ns>/<promise>/<name>/<pipeline>/<id>`. Exports `status` and the Promise's `outputs`.
 */
export class ResourceRequest extends pulumi.ComponentResource {
  public readonly status: pulumi.Output<RequestStatus>;
  public readonly outputs: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: ResourceRequestArgs, opts?: pulumi.ComponentResourceOptions) {
    super(RESOURCE_REQUEST_TYPE, name, { promise: args.promise?.name }, opts);
    let checked: ReturnType<typeof checkRequest>;
    try {
      checked = checkRequest(args);
    } catch (err) {
      throw asResourceError(err, this);
    }
    const done = planRequest(name, args, checked, this).then(
      (plan) => {
        for (const p of plan.placements) new Placement(p.name, { store: p.store, dir: p.dir, files: p.files }, { parent: this });
        return plan;
      },
      (err) => {
        throw asResourceError(err, this);
      },
    );
    this.status = pulumi.output(done.then((p) => p.status)) as unknown as pulumi.Output<RequestStatus>;
    this.outputs = pulumi.output(done.then((p) => p.outputs)) as unknown as pulumi.Output<Record<string, unknown>>;
    this.registerOutputs({ status: this.status, outputs: this.outputs });
  }
}
