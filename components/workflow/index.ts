export type {
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
