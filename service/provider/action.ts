/**
 * The Action resource (`plinth:index:Action`): one side-effecting workflow step, run by the handler of
 * its `kind` (components/workflow/actions). Check validates the inputs before anything is called; diff
 * asks the handler; create/update/delete call the remote API (retries and backoff live in the handlers'
 * HTTP client). Outputs keep the inputs (as one secret: update and delete need them, credentials
 * included) and the handler's state (remote ids only).
 */
import { randomUUID } from "node:crypto";
import { PlinthError } from "../../components/errors";
import { actionHandlers as defaultHandlers, CREDENTIAL_FIELDS, jsonEqualInputs, redact, type ActionContext, type ActionHandler } from "../../components/workflow/actions";
import type { ResourceHandler } from "./types";

/** The wire form of a Pulumi secret (what `@pulumi/pulumi/provider` sends and the engine reads back). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ActionResourceHandlerOptions {
  /** HTTP client handed to the handlers (tests); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Progress lines (already redacted by the handlers); default: dropped. */
  log?: (msg: string) => void;
  /** Waits between retries (tests); default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Handlers by kind; default: slack, pagerduty, zendesk, webhook. */
  handlers?: Record<string, ActionHandler<any, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function secret(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** JSON copy without `undefined` (protobuf Structs refuse it). */
function jsonCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** Every credential value among the inputs, for redaction. */
function credentialsOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => credentialsOf(x, out));
  else if (v && typeof v === "object") {
    for (const [k, val] of Object.entries(v)) {
      if (CREDENTIAL_FIELDS.includes(k) && typeof val === "string") out.push(val);
      else credentialsOf(val, out);
    }
  }
  return out;
}

export function actionResourceHandler(opts: ActionResourceHandlerOptions = {}): ResourceHandler {
  const handlers = opts.handlers ?? defaultHandlers;
  const log = opts.log ?? (() => {});

  const handlerOf = (kind: unknown): ActionHandler<unknown, unknown> => {
    const h = typeof kind === "string" ? handlers[kind] : undefined;
    if (!h) throw new PlinthError("ActionKindUnknown", `action kind ${JSON.stringify(kind)} is not one of ${Object.keys(handlers).sort().join(", ")}`);
    return h;
  };
  /** Validated inputs (defaults applied); stored inputs that no longer validate are used as they are. */
  const parsed = (h: ActionHandler<unknown, unknown>, inputs: unknown): unknown => {
    const r = h.validate(inputs ?? {});
    return "inputs" in r ? r.inputs : inputs;
  };
  const ctx = (): ActionContext => ({ log, ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.sleep ? { sleep: opts.sleep } : {}) });
  const where = (props: Record<string, unknown>) => `${String(props.kind)} action${typeof props.step === "string" && props.step ? ` (step ${props.step})` : ""}`;
  /** Runs a handler call; failures name the kind, the step and the API's error, never a credential. */
  const run = async <T>(op: string, props: Record<string, unknown>, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      const creds = credentialsOf(props.inputs);
      const msg = redact(err instanceof Error ? err.message : String(err), creds);
      const code = err instanceof PlinthError ? err.code : "ActionFailed";
      throw new PlinthError(code, `${where(props)} failed to ${op}: ${msg}`, { kind: props.kind, step: props.step, op });
    }
  };
  const outs = (props: Record<string, unknown>, state: unknown) => ({
    kind: props.kind,
    ...(typeof props.step === "string" ? { step: props.step } : {}),
    inputs: secret(jsonCopy(props.inputs ?? {})),
    state: jsonCopy(state ?? {}),
  });

  return {
    check(news) {
      const h = handlers[String(news.kind)];
      if (!h) return [{ path: "kind", reason: `unknown action kind ${JSON.stringify(news.kind)}; use one of ${Object.keys(handlers).sort().join(", ")}` }];
      if (containsUnknown(news.inputs)) return []; // a preview with values not known yet: checked again at update
      const r = h.validate(news.inputs ?? {});
      if ("inputs" in r) return [];
      return r.issues.map((i) => ({ path: ["inputs", ...i.path].join("."), reason: `${where(news)}: ${i.message}` }));
    },
    diff(olds, news) {
      if (olds.kind !== news.kind) return { changes: true, replaces: ["kind"] };
      const h = handlerOf(news.kind);
      const a = parsed(h, olds.inputs);
      const b = parsed(h, news.inputs);
      const d = h.diff ? h.diff(a, b) : { changes: !jsonEqualInputs(a, b) };
      return { changes: d.changes, replaces: (d.replaces ?? []).map((f) => `inputs.${f}`) };
    },
    async create(inputs) {
      const h = handlerOf(inputs.kind);
      const state = await run("create", inputs, () => h.create(parsed(h, inputs.inputs), ctx()));
      return { id: `${inputs.kind}-${randomUUID()}`, outs: outs(inputs, state) };
    },
    async update(_id, olds, news) {
      const h = handlerOf(news.kind);
      const state = await run("update", news, () => h.update(olds.state, parsed(h, olds.inputs), parsed(h, news.inputs), ctx()));
      return { outs: outs(news, state) };
    },
    async delete(_id, props) {
      const h = handlerOf(props.kind);
      await run("delete", props, () => h.delete(props.state, parsed(h, props.inputs), ctx()));
    },
  };
}
