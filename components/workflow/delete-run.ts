/**
 * Running a delete workflow (`workflows.{resource,promise}.delete`, Kratix delete pipelines): the
 * pipelines run in order like a configure workflow, but nothing they write is placed (the object is going
 * away) and every action a step declares is run once, at once (its handler's `create`: a delete workflow
 * has no later run to undo it). Status, selectors and workflow control are reported, not applied.
 */
import { PlinthError } from "../errors";
import { actionHandlers } from "./actions";
import "./action-steps"; // registers the action and command step kinds
import { redact } from "./actions/redact";
import type { ActionHandler } from "./actions/types";
import { runPipelines, WorkflowStepError, type RunPipelinesArgs } from "./run";
import { credentialValues } from "./secrets";
import type { WorkflowResult } from "./types";

export interface DeleteWorkflowArgs extends Omit<RunPipelinesArgs, "phase" | "parent"> {
  scope: "resource" | "promise";
  /** Action handlers by kind (tests); default: slack, pagerduty, zendesk, webhook. */
  handlers?: Record<string, ActionHandler<any, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- handlers of different input and output types
  signal?: AbortSignal;
}

export interface DeleteWorkflowResult {
  workflow: WorkflowResult;
  /** `<pipeline>/<step>` → what each action's handler returned. */
  actions: Record<string, unknown>;
}

/** Runs the delete pipelines and their actions; throws a WorkflowStepError naming the failing step. */
export async function runDeleteWorkflow(args: DeleteWorkflowArgs): Promise<DeleteWorkflowResult> {
  const workflow = await runPipelines({ ...args, phase: { scope: args.scope, action: "delete" } });
  const handlers = args.handlers ?? actionHandlers;
  const actions: Record<string, unknown> = {};
  for (const p of workflow.pipelines) {
    for (const a of p.actions ?? []) {
      const step = `${p.pipeline}/${a.step ?? a.name}`;
      const handler = handlers[a.kind];
      if (!handler) throw new WorkflowStepError(p.pipeline, a.step ?? a.name, `no action handler for kind "${a.kind}"`);
      const secrets = [...(args.secrets ?? []), ...credentialValues(a.inputs)];
      const log = (msg: string) => args.log?.({ step, stream: "log", text: redact(msg, secrets) });
      const valid = handler.validate(a.inputs);
      if ("issues" in valid) {
        const why = valid.issues.map((i) => `inputs.${i.path.join(".")}: ${i.message}`).join("; ");
        throw new WorkflowStepError(p.pipeline, a.step ?? a.name, `invalid ${a.kind} inputs: ${why}`);
      }
      try {
        log(`running ${a.kind} action`);
        actions[step] = await handler.create(valid.inputs, { log, signal: args.signal });
        log(`${a.kind} action done`);
      } catch (err) {
        const msg = redact(err instanceof Error ? err.message : String(err), secrets);
        throw new WorkflowStepError(p.pipeline, a.step ?? a.name, `${a.kind} action failed: ${msg}`, err instanceof PlinthError ? err : new Error(msg));
      }
    }
  }
  return { workflow, actions };
}
