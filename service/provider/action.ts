/**
 * The Action resource (`plinth:index:Action`): one side-effecting workflow step, run by the handler of
 * its `kind` (components/workflow/actions). Check validates the inputs before anything is called; diff
 * asks the handler; create/update/delete call the remote API (retries and backoff live in the handlers'
 * HTTP client).
 *
 * Outputs are the handler's state (remote ids only) and `sealedInputs`: the inputs, credentials
 * included, sealed with AES-256-GCM under the provider's key and also marked a Pulumi secret. Delete
 * needs the credentials and gets only the outputs (the SDK's provider server does not pass the old
 * inputs on), and the Node SDK logs every RegisterResource answer, secrets unwrapped, as a debug event:
 * sealing keeps credentials out of that event as well as out of the state.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import { PlinthError } from "../../components/errors";
import { actionHandlers as defaultHandlers, CREDENTIAL_FIELDS, jsonEqualInputs, redact, type ActionContext, type ActionHandler } from "../../components/workflow/actions";
import type { ResourceHandler } from "./types";

/** The wire form of a Pulumi secret (what `@pulumi/pulumi/provider` sends and the engine reads back). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ActionResourceHandlerOptions {
  /**
   * Key sealing the inputs kept in the outputs (needed again to update and delete: keep it stable).
   * Default: env PLINTH_ACTIONS_KEY, else PULUMI_CONFIG_PASSPHRASE (set for a provider the CLI launches).
   */
  sealKey?: string;
  /** HTTP client handed to the handlers (tests); defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Progress lines (already redacted by the handlers); default: dropped. */
  log?: (msg: string) => void;
  /** Waits between retries (tests); default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Handlers by kind; default: slack, pagerduty, zendesk, webhook. */
  handlers?: Record<string, ActionHandler<any, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- handlers of different input and output types
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

const SEAL_VERSION = "v1";

/** AES-256-GCM under a key derived (HKDF-SHA256) from `secretKey`; `kind` is bound as associated data. */
export function sealInputs(secretKey: string, kind: string, inputs: unknown): string {
  const key = Buffer.from(hkdfSync("sha256", secretKey, "plinth-actions", "sealed-inputs", 32));
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(kind));
  const ct = Buffer.concat([c.update(JSON.stringify(inputs ?? {}), "utf8"), c.final()]);
  return `${SEAL_VERSION}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString("base64")}`;
}

export function unsealInputs(secretKey: string, kind: string, sealed: string): Record<string, unknown> {
  if (typeof sealed !== "string" || !sealed.startsWith(`${SEAL_VERSION}:`)) throw new Error("the sealed inputs are missing or of an unknown version");
  const raw = Buffer.from(sealed.slice(SEAL_VERSION.length + 1), "base64");
  const key = Buffer.from(hkdfSync("sha256", secretKey, "plinth-actions", "sealed-inputs", 32));
  const d = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  d.setAAD(Buffer.from(kind));
  d.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8")) as Record<string, unknown>;
}

export function actionResourceHandler(opts: ActionResourceHandlerOptions = {}): ResourceHandler {
  const handlers = opts.handlers ?? defaultHandlers;
  const log = opts.log ?? (() => {});
  const sealKey = (): string => {
    const k = opts.sealKey ?? process.env.PLINTH_ACTIONS_KEY ?? process.env.PULUMI_CONFIG_PASSPHRASE;
    if (!k) throw new PlinthError("ActionSealKeyMissing", "the plinth provider has no key to seal action inputs with: pass sealKey to actionResourceHandler or set PLINTH_ACTIONS_KEY");
    return k;
  };
  /** The inputs an earlier create/update kept, unsealed. */
  const oldInputs = (olds: Record<string, unknown>): Record<string, unknown> => {
    try {
      return unsealInputs(sealKey(), String(olds.kind), olds.sealedInputs as string);
    } catch (err) {
      if (err instanceof PlinthError) throw err;
      throw new PlinthError("ActionUnsealFailed", `${where(olds)}: cannot read the inputs kept in its state (${err instanceof Error ? err.message : String(err)}); was the provider's seal key changed?`, { kind: olds.kind, step: olds.step });
    }
  };

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
  const outs = (props: Record<string, unknown>, sealed: string, state: unknown) => ({
    kind: props.kind,
    ...(typeof props.step === "string" ? { step: props.step } : {}),
    sealedInputs: secret(sealed),
    state: jsonCopy(state ?? {}),
  });

  const handler: ResourceHandler & { read?(id: string, props: Record<string, unknown>): Promise<{ id: string; props: Record<string, unknown> }> } = {
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
      const a = parsed(h, oldInputs(olds));
      const b = parsed(h, news.inputs);
      const d = h.diff ? h.diff(a, b) : { changes: !jsonEqualInputs(a, b) };
      return { changes: d.changes, replaces: (d.replaces ?? []).map((f) => `inputs.${f}`) };
    },
    async create(inputs) {
      const h = handlerOf(inputs.kind);
      const sealed = sealInputs(sealKey(), String(inputs.kind), inputs.inputs);
      const state = await run("create", inputs, () => h.create(parsed(h, inputs.inputs), ctx()));
      return { id: `${inputs.kind}-${randomUUID()}`, outs: outs(inputs, sealed, state) };
    },
    async update(_id, olds, news) {
      const h = handlerOf(news.kind);
      const sealed = sealInputs(sealKey(), String(news.kind), news.inputs);
      const old = oldInputs(olds);
      const state = await run("update", news, () => h.update(olds.state, parsed(h, old), parsed(h, news.inputs), ctx()));
      return { outs: outs(news, sealed, state) };
    },
    async delete(_id, props) {
      const h = handlerOf(props.kind);
      const inputs = oldInputs(props);
      await run("delete", { ...props, inputs }, () => h.delete(props.state, parsed(h, inputs), ctx()));
    },
    async read(id, props) {
      // Refresh: the remote objects are not read back (the APIs differ); the kept state stays, sealed inputs stay secret.
      const sealed = props.sealedInputs;
      return { id, props: { ...props, ...(typeof sealed === "string" ? { sealedInputs: secret(sealed) } : {}) } };
    },
  };
  return handler;
}
