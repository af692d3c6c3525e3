/**
 * Step kinds: `render` is built in; other kinds (action steps, Kratix command steps) register a runner
 * here and `runPipelines` delegates to it.
 */
import type { CustomStep, StepContext, StepOutput } from "./types";

export type StepRunner = (step: CustomStep, ctx: StepContext) => StepOutput | Promise<StepOutput>;

const runners = new Map<string, StepRunner>();

/** Registers the runner of a step kind. Re-registering a kind replaces its runner (returned: the previous one). */
export function registerStepKind(kind: string, runner: StepRunner): StepRunner | undefined {
  if (kind === "render") throw new Error('step kind "render" is built in and cannot be replaced');
  if (!/^[a-z][a-z0-9-]*$/.test(kind)) throw new Error(`step kind "${kind}" must be lowercase letters, digits and '-'`);
  const previous = runners.get(kind);
  runners.set(kind, runner);
  return previous;
}

/** Removes a registered kind (tests). */
export function unregisterStepKind(kind: string): void {
  runners.delete(kind);
}

export function stepRunner(kind: string): StepRunner | undefined {
  return runners.get(kind);
}

export function registeredStepKinds(): string[] {
  return ["render", ...[...runners.keys()].sort()];
}
