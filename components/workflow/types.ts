/**
 * Workflows (DESIGN.md §4): ordered pipelines of ordered steps. A step receives the object (a resource
 * request or the Promise itself, with its status so far), the organisation config and the files written so
 * far by its pipeline; it returns files, status, conditions, destination selectors and workflow control.
 */
import type * as pulumi from "@pulumi/pulumi";

/** A Kubernetes-style condition as it appears on `status.conditions`. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A label selector written by a workflow (Kratix `destination-selectors.yaml`). */
export interface WorkflowSelector {
  /** Files under this directory of the pipeline output form their own scheduling group. */
  directory?: string;
  matchLabels: Record<string, string>;
}

/** Kratix `workflow-control.yaml`: ask to be re-run later or stop the remaining pipelines. */
export interface WorkflowControl {
  /** Duration such as `30s`, `5m`, `1h` after which the workflow should run again. */
  retryAfter?: string;
  /** Stop after this pipeline: the remaining pipelines do not run. */
  suspend?: boolean;
  message?: string;
}

/** A file a step writes: a string verbatim, an object as YAML, an array of objects as a multi-document YAML. `null` removes a file written earlier. */
export type FileContent = string | Record<string, unknown> | Record<string, unknown>[] | null;

/** The object a workflow runs on: a request (`apiVersion/kind/metadata/spec`) or the Promise. */
export interface WorkflowObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  status?: Record<string, unknown>;
}

export interface StepInput<O extends WorkflowObject = WorkflowObject, C = unknown> {
  /** The object with the status written by earlier steps and pipelines. */
  object: O;
  /** Organisation config of the Promise (defaults applied). */
  config: C;
  /** Files written so far by this pipeline (path → serialised content). */
  files: Readonly<Record<string, string>>;
  /** Writes a line to the step's log (kept per request and generation, streamed live; secrets redacted). */
  log: (message: string) => void;
}

/** Where step output goes: the step (`<pipeline>/<step>`), the stream and the text (whole lines). */
export type StepLogSink = (entry: { step: string; stream: "stdout" | "stderr" | "log"; text: string }) => void;

export interface StepOutput {
  files?: Record<string, FileContent>;
  /** Fields merged (deeply, arrays replaced) into the object's status. */
  status?: Record<string, unknown>;
  /** Conditions merged by `type` into `status.conditions`. */
  conditions?: Condition[];
  destinationSelectors?: WorkflowSelector[];
  workflowControl?: WorkflowControl;
  /**
   * Side effects with a lifecycle this step declares (action steps). Nothing is called while the workflow
   * runs: the component running the workflow creates one `plinth:index:Action` resource per declaration.
   */
  actions?: ActionDeclaration[];
}

/** One action a step declares: run by the `plinth` provider's handler of `kind` with `inputs`. */
export interface ActionDeclaration {
  /** Unique within its pipeline (DNS-1123 label); names the Action resource with the component and pipeline. */
  name: string;
  /** Handler kind: `slack`, `pagerduty`, `zendesk`, `webhook`. */
  kind: string;
  /** The handler's inputs; credentials are made Pulumi secrets by the Action resource. */
  inputs: Record<string, unknown>;
  /** The step that declared it. */
  step?: string;
}

/** A pure step: runs during preview too; must not have side effects. */
export interface RenderStep<O extends WorkflowObject = WorkflowObject, C = unknown> {
  kind?: "render";
  name: string;
  render: (input: StepInput<O, C>) => StepOutput | Promise<StepOutput>;
}

/** Any other kind of step (actions, Kratix command steps), run by a runner registered for its `kind`. */
export interface CustomStep {
  kind: string;
  name: string;
  [key: string]: unknown;
}

export type Step<O extends WorkflowObject = WorkflowObject, C = unknown> = RenderStep<O, C> | CustomStep;

export interface Pipeline<O extends WorkflowObject = WorkflowObject, C = unknown> {
  name: string;
  steps: Step<O, C>[];
}

/** Which workflow is running: `promise` or `resource`, `configure` or `delete`. */
export interface WorkflowPhase {
  scope: "promise" | "resource";
  action: "configure" | "delete";
}

/** What a step runner receives besides the step. */
export interface StepContext {
  /** Name of the Promise whose workflow runs (Kratix `KRATIX_PROMISE_NAME`). */
  promise?: string;
  pipeline: string;
  /** Index of the step in its pipeline. */
  index: number;
  input: StepInput;
  phase: WorkflowPhase;
  /** The component running the workflow: parent for any resources an action step creates. */
  parent?: pulumi.Resource;
  /** A name unique to this run (e.g. the component's name), to derive child resource names from. */
  name?: string;
  /** Plural of the object's kind (Kratix `KRATIX_CRD_PLURAL`). */
  plural?: string;
  /** Receives the step's output (command steps' stdout/stderr, render steps' `log` calls). */
  log?: StepLogSink;
  /** Values redacted from step logs. */
  secrets?: readonly string[];
}

export interface PipelineResult {
  pipeline: string;
  /** Output files: relative path → serialised content. */
  files: Record<string, string>;
  destinationSelectors: WorkflowSelector[];
  /** The object's status after this pipeline. */
  status: Record<string, unknown>;
  workflowControl: WorkflowControl;
  /** Actions the pipeline's steps declared, in step order (always set by `runPipelines`). */
  actions?: ActionDeclaration[];
}

export interface WorkflowResult {
  pipelines: PipelineResult[];
  /** Final status after every pipeline that ran. */
  status: Record<string, unknown>;
  /** True when a pipeline asked to suspend: the pipelines after it did not run. */
  suspended: boolean;
  /** The earliest `retryAfter` any pipeline asked for. */
  retryAfter?: string;
}
