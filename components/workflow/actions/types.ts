import type { FieldIssue } from "../../errors";

/**
 * What the `plinth` provider hands an action handler on every call. `log` must never receive a secret:
 * handlers pass every message through `redact` first.
 */
export interface ActionContext {
  /** HTTP client to use; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  log: (msg: string) => void;
  /** Cancels the whole operation (all retries). */
  signal?: AbortSignal;
  /** Waits between retries; defaults to a timer that honours `signal`. Tests inject a recorder. */
  sleep?: (ms: number) => Promise<void>;
}

export type ValidateResult<I> = { inputs: I } | { issues: FieldIssue[] };

export interface DiffResult {
  changes: boolean;
  /** Input fields whose change needs a new remote object (create new, delete old). */
  replaces?: string[];
}

/**
 * One kind of side-effecting workflow step with a lifecycle. The provider calls `validate` (its check)
 * before anything else, `create` once, `update` only when `diff` reports changes, `delete` on delete.
 * Returned state holds remote ids only, never a credential.
 */
export interface ActionHandler<I, S> {
  kind: string;
  validate(inputs: unknown): ValidateResult<I>;
  create(inputs: I, ctx: ActionContext): Promise<S>;
  update(old: S, oldInputs: I, inputs: I, ctx: ActionContext): Promise<S>;
  delete(state: S, inputs: I, ctx: ActionContext): Promise<void>;
  diff?(oldInputs: I, inputs: I): DiffResult;
}
