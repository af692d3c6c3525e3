/**
 * Step kinds with side effects (DESIGN.md §4), registered on import of `components/workflow` and
 * `components/promise`:
 *
 * - `slack`, `pagerduty`, `zendesk`, `webhook`: *action* steps. Running the workflow calls nothing; the
 *   step declares `{ actions: [{ name, kind, inputs }] }` and the component running the workflow
 *   (ResourceRequest, PromiseInstallation) creates one `plinth:index:Action` resource per declaration,
 *   whose provider calls the API once on create, again only when the inputs change, and undoes it when
 *   the resource is deleted (`pulumi destroy` of the request: the action's part of the delete workflow).
 * - `command`: a Kratix pipeline step (script or argv) run on this host while the workflow runs (also
 *   during preview, like a render step): its `output/` files, `status.yaml`, `destination-selectors.yaml`
 *   and `workflow-control.yaml` are merged into the pipeline's result.
 */
import * as pulumi from "@pulumi/pulumi";
import { actionHandlers, validateOrThrow } from "./actions";
import { runCommandStep } from "./actions/command";
import { redactDeep } from "./actions/redact";
import { registerStepKind, type StepRunner } from "./registry";
import type { Condition, CustomStep, StepInput, StepOutput, WorkflowObject, WorkflowResult } from "./types";

export const ACTION_STEP_KINDS = ["slack", "pagerduty", "zendesk", "webhook"] as const;
export type ActionStepKind = (typeof ACTION_STEP_KINDS)[number];

/** Inputs of an action step: fixed, or built from the object and config (undefined: the action is off). */
export type ActionInputs<O extends WorkflowObject, C> =
  | Record<string, unknown>
  | ((input: StepInput<O, C>) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>);

/** An action step: `{ kind: "slack", name: "notify", inputs: ({ object, config }) => ({ … }) }`. */
export function actionStep<O extends WorkflowObject = WorkflowObject, C = unknown>(kind: ActionStepKind, name: string, inputs: ActionInputs<O, C>): CustomStep {
  return { kind, name, inputs };
}

export interface CommandStepSpec {
  /** A shell script (`/bin/sh -c`) or … */
  script?: string;
  /** … an argv. Exactly one of the two. */
  command?: string[];
  /** The Kratix container image the step stands for (documentation only: the command runs on this host). */
  image?: string;
  env?: Record<string, string>;
  /**
   * Secret environment (e.g. from the Promise's organisation config): given to the command like `env`,
   * and every value is redacted from the step's status, conditions, messages and errors (so from the
   * request's status, its events and the service log).
   */
  secretEnv?: Record<string, string> | ((input: StepInput<WorkflowObject, unknown>) => Record<string, string | undefined>);
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** A Kratix command step: `commandStep("render", { script: "cat input/object.yaml > output/x.yaml" })`. */
export function commandStep(name: string, spec: CommandStepSpec): CustomStep {
  return { kind: "command", name, ...spec };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

function containsOutputs(v: unknown): boolean {
  if (pulumi.Output.isInstance(v) || v instanceof Promise) return true;
  if (Array.isArray(v)) return v.some(containsOutputs);
  if (isPlainObject(v)) return Object.values(v).some(containsOutputs);
  return false;
}

function actionRunner(kind: ActionStepKind): StepRunner {
  return async (step, ctx) => {
    const spec = step.inputs as ActionInputs<WorkflowObject, unknown> | undefined;
    if (spec === undefined) throw new Error(`an ${kind} step needs inputs (an object, or a function of { object, config, files })`);
    const inputs = typeof spec === "function" ? await spec(ctx.input) : spec;
    if (inputs === undefined || inputs === null) return {};
    if (!isPlainObject(inputs)) throw new Error(`inputs of the ${kind} step must be an object`);
    // Plain inputs are checked now, so a bad request fails before any action of it is created.
    if (!containsOutputs(inputs)) validateOrThrow(actionHandlers[kind], inputs);
    return { actions: [{ name: step.name, kind, inputs, step: step.name }] };
  };
}

/** `90500` ms → `1m31s` (what `workflowControl.retryAfter` accepts). */
export function retryAfterOf(ms: number): string {
  let s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s || (!h && !m) ? `${s}s` : ""}`;
}

/** The step's secret environment, without unset values. */
async function secretEnvOf(step: CustomStep, input: StepInput<WorkflowObject, unknown>): Promise<Record<string, string>> {
  const spec = step.secretEnv as CommandStepSpec["secretEnv"];
  const raw = typeof spec === "function" ? await spec(input) : spec ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) if (typeof v === "string" && v !== "") out[k] = v;
  return out;
}

const commandRunner: StepRunner = async (step, ctx) => {
  const before = ctx.input.files;
  const secretEnv = await secretEnvOf(step, ctx.input);
  const secrets = [...Object.values(secretEnv), ...(ctx.secrets ?? [])];
  const r = await runCommandStep({
    name: `${ctx.pipeline}/${step.name}`,
    script: step.script as string | undefined,
    command: step.command as string[] | undefined,
    image: step.image as string | undefined,
    env: { ...(step.env as Record<string, string> | undefined), ...secretEnv },
    timeoutMs: step.timeoutMs as number | undefined,
    maxOutputBytes: step.maxOutputBytes as number | undefined,
    object: ctx.input.object,
    initialFiles: before,
    secrets,
    onOutput: ctx.log ? (stream, text) => ctx.log!({ step: `${ctx.pipeline}/${step.name}`, stream, text }) : undefined,
    kratix: {
      promiseName: ctx.promise ?? ctx.name ?? "workflow",
      pipelineName: ctx.pipeline,
      workflowType: ctx.phase.scope,
      workflowAction: ctx.phase.action,
      crdPlural: ctx.plural,
    },
  });
  const files: NonNullable<StepOutput["files"]> = { ...r.files };
  for (const p of Object.keys(before)) if (!(p in r.files)) files[p] = null; // the script removed it
  const { conditions, ...status } = redactDeep(r.status, secrets);
  const out: StepOutput = { files, status, destinationSelectors: r.destinationSelectors };
  if (Array.isArray(conditions)) out.conditions = conditions as Condition[];
  else if (conditions !== undefined) status.conditions = conditions;
  const wc = redactDeep(r.workflowControl, secrets);
  if (wc.retryAfterMs !== undefined || wc.suspend !== undefined || wc.message !== undefined) {
    out.workflowControl = {
      ...(wc.retryAfterMs !== undefined ? { retryAfter: retryAfterOf(wc.retryAfterMs) } : {}),
      ...(wc.suspend !== undefined ? { suspend: wc.suspend } : {}),
      ...(wc.message !== undefined ? { message: wc.message } : {}),
    };
  }
  return out;
};

/** One Action resource a component creates for a declared action. */
export interface ActionResourceSpec {
  /** `<component>-<pipeline>-<action>`: unique within the stack. */
  resourceName: string;
  kind: string;
  inputs: Record<string, unknown>;
  pipeline: string;
  /** The declaring step, with its pipeline: `configure/notify-slack`. */
  step: string;
}

/** The Action resources of a workflow run, named from the running component's `name`. */
export function actionResources(name: string, workflow: Pick<WorkflowResult, "pipelines">): ActionResourceSpec[] {
  return workflow.pipelines.flatMap((p) =>
    (p.actions ?? []).map((a) => ({
      resourceName: `${name}-${p.pipeline}-${a.name}`,
      kind: a.kind,
      inputs: a.inputs,
      pipeline: p.pipeline,
      step: `${p.pipeline}/${a.step ?? a.name}`,
    })),
  );
}

/** What a status shows of the actions: where they come from, never their inputs. */
export function actionSummaries(specs: readonly ActionResourceSpec[]): { step: string; kind: string; resource: string }[] {
  return specs.map((s) => ({ step: s.step, kind: s.kind, resource: s.resourceName }));
}

/** Registers the action and command step kinds (idempotent; runs on import). */
export function registerActionStepKinds(): void {
  for (const kind of ACTION_STEP_KINDS) registerStepKind(kind, actionRunner(kind));
  registerStepKind("command", commandRunner);
}

registerActionStepKinds();
