import * as pulumi from "@pulumi/pulumi";

/** Resource token of a workflow action, served by the `plinth` provider (`service/provider/action.ts`). */
export const ACTION_TYPE = "plinth:index:Action";

/** Input fields holding credentials: always sent to the engine as Pulumi secrets, at any depth. */
export const CREDENTIAL_FIELDS: readonly string[] = ["botToken", "apiKey", "apiToken", "secret", "password", "token"];

export interface ActionArgs {
  /** Handler kind: `slack`, `pagerduty`, `zendesk` or `webhook`. A change replaces the action. */
  kind: pulumi.Input<string>;
  /** The handler's inputs (see each handler's schema). Credential fields are made secrets here. */
  inputs: pulumi.Input<Record<string, unknown>>;
  /** Where the action was declared, e.g. `configure/notify-slack`; named in error messages only. */
  step?: pulumi.Input<string>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * Wraps every credential field (`CREDENTIAL_FIELDS`, at any depth of plain objects and arrays) in
 * `pulumi.secret`, so the engine stores it encrypted whatever the caller passed. Inputs given as an
 * Output or a Promise are made secret as a whole (their fields cannot be told apart before they resolve).
 */
export function secretCredentials(inputs: pulumi.Input<Record<string, unknown>>): pulumi.Input<Record<string, unknown>> {
  if (pulumi.Output.isInstance(inputs) || inputs instanceof Promise) return pulumi.secret(inputs);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) {
      out[k] = CREDENTIAL_FIELDS.includes(k) && val !== undefined && val !== null ? pulumi.secret(val as pulumi.Input<unknown>) : walk(val);
    }
    return out;
  };
  return walk(inputs) as Record<string, unknown>;
}

/**
 * A side-effecting workflow step with a lifecycle (DESIGN.md §4): the `plinth` provider calls its
 * handler's create once, update only when the inputs change, and delete when the resource is deleted
 * (so `pulumi destroy` of a request undoes its actions: that is the delete workflow of an action).
 */
export class Action extends pulumi.CustomResource {
  /** What the handler returned (remote ids and URLs; never a credential). */
  declare public readonly state: pulumi.Output<Record<string, unknown>>;
  declare public readonly kind: pulumi.Output<string>;

  constructor(name: string, args: ActionArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { kind: args.kind, inputs: secretCredentials(args.inputs), state: undefined };
    if (args.step !== undefined) props.step = args.step;
    super(ACTION_TYPE, name, props, opts);
  }
}
