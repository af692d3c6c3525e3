/** Runs a workflow: pipelines in order, steps in order, each step seeing what the previous ones wrote. */
import { HTTP_STATUS, PlinthError } from "../errors";
import { isSafeRelativePath, serialiseFile } from "./files";
import { stepRunner } from "./registry";
import { redact } from "./actions/redact";
import { credentialValues } from "./secrets";
import { conditionsOf, mergeConditions, mergeStatus } from "./status";
import type {
  ActionDeclaration,
  CustomStep,
  Pipeline,
  PipelineResult,
  RenderStep,
  Step,
  StepContext,
  StepLogSink,
  StepOutput,
  WorkflowControl,
  WorkflowObject,
  WorkflowPhase,
  WorkflowResult,
  WorkflowSelector,
} from "./types";
import type * as pulumi from "@pulumi/pulumi";

export interface RunPipelinesArgs {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pipelines of different spec and config types
  pipelines: Pipeline<any, any>[];
  object: WorkflowObject;
  config: unknown;
  /** Name of the Promise, passed to step runners. */
  promise?: string;
  /** Defaults to `{ scope: "resource", action: "configure" }`. */
  phase?: WorkflowPhase;
  /** Passed to step runners of other kinds (parent of resources they create). */
  parent?: pulumi.Resource;
  name?: string;
  /** Plural of the object's kind, for command steps' `KRATIX_CRD_PLURAL`. */
  plural?: string;
  /** Receives every step's output, secrets redacted. */
  log?: StepLogSink;
  /** Values to redact from step logs (besides credentials found in `config`). */
  secrets?: readonly string[];
}

/** Thrown when a step fails or returns something unusable; names the pipeline and the step. */
export class WorkflowStepError extends PlinthError {
  constructor(pipeline: string, step: string, reason: string, cause?: unknown) {
    const details: Record<string, unknown> = { pipeline, step };
    if (cause instanceof PlinthError) details.cause = cause.toJSON();
    else if (cause instanceof Error) details.cause = { message: cause.message };
    super("WorkflowStepFailed", `pipeline "${pipeline}" step "${step}": ${reason}`, details, HTTP_STATUS.internal);
  }
}

const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;

/** Seconds of a duration like `90s`, `5m`, `1h30m`; undefined when it is not one. */
export function parseDuration(d: string): number | undefined {
  const m = DURATION.exec(d);
  if (!m || d.length === 0) return undefined;
  const n = (s: string | undefined) => (s ? Number(s.slice(0, -1)) : 0);
  return n(m[1]) * 3600 + n(m[2]) * 60 + n(m[3]);
}

function isRender(step: Step): step is RenderStep {
  return (step.kind === undefined || step.kind === "render") && typeof (step as RenderStep).render === "function";
}

async function runStep(step: Step, ctx: StepContext): Promise<StepOutput> {
  if (isRender(step)) return step.render(ctx.input);
  const kind = step.kind ?? "render";
  const runner = stepRunner(kind);
  if (!runner) {
    throw new WorkflowStepError(ctx.pipeline, step.name, `no runner is registered for step kind "${kind}" (registerStepKind)`);
  }
  return runner(step as CustomStep, ctx);
}

function applyOutput(
  pipeline: string,
  step: string,
  out: StepOutput,
  acc: { files: Record<string, string>; selectors: WorkflowSelector[]; status: Record<string, unknown>; control: WorkflowControl; actions: ActionDeclaration[] },
): void {
  if (out === null || typeof out !== "object") {
    throw new WorkflowStepError(pipeline, step, `must return an object (files, status, conditions, destinationSelectors, workflowControl), got ${out === null ? "null" : typeof out}`);
  }
  for (const [path, content] of Object.entries(out.files ?? {})) {
    if (!isSafeRelativePath(path)) {
      throw new WorkflowStepError(pipeline, step, `file path "${path}" must be relative, without '..', '.' or empty segments`);
    }
    if (content === null) delete acc.files[path];
    else acc.files[path] = serialiseFile(content);
  }
  if (out.status) acc.status = mergeStatus(acc.status, out.status);
  if (out.conditions?.length) {
    acc.status = { ...acc.status, conditions: mergeConditions(conditionsOf(acc.status), out.conditions) };
  }
  for (const sel of out.destinationSelectors ?? []) {
    if (sel.directory !== undefined && !isSafeRelativePath(sel.directory)) {
      throw new WorkflowStepError(pipeline, step, `destinationSelectors directory "${sel.directory}" must be a relative path inside the output`);
    }
    const labels = sel.matchLabels ?? {};
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== "string") throw new WorkflowStepError(pipeline, step, `destinationSelectors matchLabels.${k} must be a string`);
    }
    const existing = acc.selectors.find((s) => s.directory === sel.directory);
    if (existing) existing.matchLabels = { ...existing.matchLabels, ...labels };
    else acc.selectors.push(sel.directory === undefined ? { matchLabels: { ...labels } } : { directory: sel.directory, matchLabels: { ...labels } });
  }
  if (out.workflowControl) {
    const wc = out.workflowControl;
    if (wc.retryAfter !== undefined && parseDuration(wc.retryAfter) === undefined) {
      throw new WorkflowStepError(pipeline, step, `workflowControl.retryAfter "${wc.retryAfter}" must be a duration such as 30s, 5m or 1h30m`);
    }
    acc.control = { ...acc.control, ...wc };
  }
  for (const a of out.actions ?? []) {
    if (!a || typeof a.name !== "string" || !ACTION_NAME.test(a.name)) {
      throw new WorkflowStepError(pipeline, step, `action name "${String(a?.name)}" must be a DNS-1123 label (lowercase letters, digits and '-')`);
    }
    if (typeof a.kind !== "string" || a.kind.length === 0) throw new WorkflowStepError(pipeline, step, `action "${a.name}" needs a kind`);
    if (acc.actions.some((x) => x.name === a.name)) throw new WorkflowStepError(pipeline, step, `action "${a.name}" is declared twice in this pipeline; give each action its own name`);
    acc.actions.push({ name: a.name, kind: a.kind, inputs: a.inputs ?? {}, step: a.step ?? step });
  }
}

const ACTION_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Runs `pipelines` over `object`. Each pipeline starts with no files and the status left by the previous
 * pipeline; a pipeline whose workflow control says `suspend` is the last to run.
 */
export async function runPipelines(args: RunPipelinesArgs): Promise<WorkflowResult> {
  const phase = args.phase ?? { scope: "resource", action: "configure" };
  const secrets = [...(args.secrets ?? []), ...credentialValues(args.config)];
  const sink: StepLogSink | undefined = args.log ? (e) => args.log!({ ...e, text: redact(e.text, secrets) }) : undefined;
  let status: Record<string, unknown> = { ...(args.object.status ?? {}) };
  const results: PipelineResult[] = [];
  let suspended = false;
  let retryAfter: string | undefined;
  for (const pipeline of args.pipelines) {
    const acc = { files: {} as Record<string, string>, selectors: [] as WorkflowSelector[], status, control: {} as WorkflowControl, actions: [] as ActionDeclaration[] };
    for (const [index, step] of pipeline.steps.entries()) {
      const stepName = `${pipeline.name}/${step.name}`;
      const log = (message: string) => sink?.({ step: stepName, stream: "log", text: String(message) });
      const input = { object: { ...args.object, status: acc.status }, config: args.config, files: { ...acc.files }, log };
      let out: StepOutput;
      try {
        out = await runStep(step, { promise: args.promise, pipeline: pipeline.name, index, input, phase, parent: args.parent, name: args.name, plural: args.plural, log: sink, secrets });
      } catch (err) {
        if (err instanceof WorkflowStepError) throw err;
        const msg = err instanceof Error ? err.message : String(err);
        throw new WorkflowStepError(pipeline.name, step.name, `failed: ${msg}`, err);
      }
      applyOutput(pipeline.name, step.name, out, acc);
    }
    status = acc.status;
    results.push({ pipeline: pipeline.name, files: acc.files, destinationSelectors: acc.selectors, status, workflowControl: acc.control, actions: acc.actions });
    const ra = acc.control.retryAfter;
    if (ra !== undefined && (retryAfter === undefined || parseDuration(ra)! < parseDuration(retryAfter)!)) retryAfter = ra;
    if (acc.control.suspend) {
      suspended = true;
      break;
    }
  }
  return retryAfter === undefined ? { pipelines: results, status, suspended } : { pipelines: results, status, suspended, retryAfter };
}
