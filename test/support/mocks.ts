/**
 * Recording mocks for component tests (pulumi.runtime.setMocks): every registered resource — custom and
 * component — is recorded with its type, name and inputs, so tests assert what a component creates.
 *
 *   const rec = recordResources();
 *   const out = await runProgram(() => { const c = new MyComponent("x", args); return { id: c.id }; });
 *   assert.deepEqual(rec.ofType("plinth:index:Placement").map((r) => r.name), [...]);
 *
 * setMocks is global to the process; node's test runner runs each test file in its own process, and
 * `rec.clear()` between tests resets the record.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  /** Inputs as the engine received them (Outputs resolved, secrets unwrapped). */
  inputs: Record<string, any>;
  custom: boolean;
  provider?: string;
  /** Import/read id, if any. */
  id?: string;
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, any>;
  provider?: string;
}

export interface RecordOptions {
  /** Extra output properties of a resource (merged over its inputs), e.g. an ARN. */
  state?: (r: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Physical id of a resource; default `<name>-id`. */
  id?: (r: pulumi.runtime.MockResourceArgs) => string;
  /** Result of a provider function call (invoke); default `{}`. */
  call?: (c: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
  project?: string;
  stack?: string;
  /** Run as a preview (unknowns stay unknown). Default false. */
  preview?: boolean;
}

export interface Recorder {
  resources: RecordedResource[];
  calls: RecordedCall[];
  /** Recorded resources of one type token, in registration order. */
  ofType(type: string): RecordedResource[];
  /** The resource named `name` (of `type`, if given); undefined when none. */
  named(name: string, type?: string): RecordedResource | undefined;
  /** Forget everything recorded so far. */
  clear(): void;
}

/** Installs recording mocks and returns the record. */
export function recordResources(opts: RecordOptions = {}): Recorder {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs ?? {}, custom: args.custom ?? false, provider: args.provider, id: args.id });
      const id = opts.id ? opts.id(args) : `${args.name}-id`;
      return { id, state: { ...(args.inputs ?? {}), ...(opts.state?.(args) ?? {}) } };
    },
    call(args) {
      calls.push({ token: args.token, inputs: args.inputs ?? {}, provider: args.provider });
      return opts.call ? opts.call(args) : {};
    },
  };
  void pulumi.runtime.setMocks(mocks, opts.project ?? "project", opts.stack ?? "stack", opts.preview ?? false);
  return {
    resources,
    calls,
    ofType: (type) => resources.filter((r) => r.type === type),
    named: (name, type) => resources.find((r) => r.name === name && (type === undefined || r.type === type)),
    clear: () => {
      resources.length = 0;
      calls.length = 0;
    },
  };
}

/** The value of an Output (or plain input); rejects when the Output failed. Unknown values resolve to undefined. */
export function outputValue<T>(o: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
  const out = pulumi.output(o) as pulumi.Output<pulumi.Unwrap<T>>;
  // Output#promise is internal but stable; unlike apply, it rejects when the Output failed.
  return (out as unknown as { promise(): Promise<pulumi.Unwrap<T>> }).promise();
}

/** Waits until every pending registration and RPC of the Pulumi runtime has finished. */
export async function settle(): Promise<void> {
  const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (wait) await wait();
}

/**
 * Runs `program` like a Pulumi program: calls it, resolves every Output in what it returns (deeply), then
 * waits for all registrations to finish. Rejects with the first error the program, its outputs or its
 * registrations raised. As in a real Pulumi run, unhandled rejections during the run are the program's
 * errors: Pulumi surfaces a failed registration (e.g. a component output that rejected) only as an
 * unhandled rejection, so they are captured here instead of failing the test file.
 */
export async function runProgram<T>(program: () => T | Promise<T>): Promise<pulumi.Unwrap<T>> {
  const captured: unknown[] = [];
  const previous = process.listeners("unhandledRejection");
  const capture = (reason: unknown) => void captured.push(reason);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", capture);
  let failure: { error: unknown } | undefined;
  let value: pulumi.Unwrap<T> | undefined;
  try {
    try {
      value = (await outputValue((await program()) as pulumi.Input<T>)) as pulumi.Unwrap<T>;
    } catch (error) {
      failure = { error };
    }
    await settle().catch((error) => void captured.push(error));
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off("unhandledRejection", capture);
    for (const l of previous) process.on("unhandledRejection", l);
  }
  if (failure) throw failure.error;
  if (captured.length) throw captured[0];
  return value as pulumi.Unwrap<T>;
}
