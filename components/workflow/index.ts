export type {
  ActionDeclaration,
  Condition,
  CustomStep,
  FileContent,
  Pipeline,
  PipelineResult,
  RenderStep,
  Step,
  StepContext,
  StepInput,
  StepOutput,
  WorkflowControl,
  WorkflowObject,
  WorkflowPhase,
  WorkflowResult,
  WorkflowSelector,
} from "./types";
export { registerStepKind, unregisterStepKind, stepRunner, registeredStepKinds } from "./registry";
export type { StepRunner } from "./registry";
export { runPipelines, WorkflowStepError, parseDuration } from "./run";
export type { RunPipelinesArgs } from "./run";
export { isSafeRelativePath, serialiseFile } from "./files";
export { mergeStatus, mergeConditions } from "./status";
export { actionStep, commandStep, registerActionStepKinds, retryAfterOf, actionResources, actionSummaries, ACTION_STEP_KINDS } from "./action-steps";
export type { ActionInputs, ActionResourceSpec, ActionStepKind, CommandStepSpec } from "./action-steps";
