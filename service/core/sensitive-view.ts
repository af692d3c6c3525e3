/**
 * What the service shows of a request whose Promise marks spec fields sensitive (components/promise/
 * sensitive.ts): `GET`, lists, watches, events, step logs and service log lines carry `(sensitive)` in
 * place of every such value. The stored object keeps the values (the reconcile needs them); on disk they
 * are sealed (sealed-spec.ts).
 */
import { redactSpec, redactValues, sensitiveValues } from "../../components/promise/sensitive";
import type { AnyPromise } from "../../components/promise/types";
import type { PlinthServiceOptions } from "./options";

export class SensitiveView {
  constructor(private readonly promiseOf: (name: string) => AnyPromise | undefined) {}

  /** The sensitive values of one stored request. */
  values(rec: { promise: string; object: { spec?: unknown } } | undefined): string[] {
    const p = rec && this.promiseOf(rec.promise);
    return p ? sensitiveValues(p, rec.object.spec).map((v) => v.value) : [];
  }

  /** The object as shown: sensitive fields masked, and any value copied into status or metadata too. */
  object<T extends { spec?: unknown }>(promise: string, object: T): T {
    const p = this.promiseOf(promise);
    if (!p) return object;
    const values = sensitiveValues(p, object.spec).map((v) => v.value);
    if (values.length === 0) return object;
    return redactValues({ ...object, spec: redactSpec(p, object.spec) }, values);
  }

  /** Any JSON (an event, a log line) with the request's sensitive values masked. */
  hide<T>(rec: { promise: string; object: { spec?: unknown } } | undefined, v: T): T {
    const values = this.values(rec);
    return values.length ? redactValues(v, values) : v;
  }

  /** A service log line with every request's sensitive values masked. */
  line(all: Iterable<{ promise: string; object: { spec?: unknown } }>, text: string): string {
    const values: string[] = [];
    for (const r of all) values.push(...this.values(r));
    return values.length ? redactValues(text, values) : text;
  }
}

/** The options with every service log line masked by `view` over the requests `all` returns. */
export function withMaskedLog(options: PlinthServiceOptions, view: SensitiveView, all: () => Iterable<{ promise: string; object: { spec?: unknown } }>): PlinthServiceOptions {
  const log = options.log;
  if (!log) return { ...options, log: undefined };
  return {
    ...options,
    log: (line, fields) => {
      const values: string[] = [];
      for (const r of all()) values.push(...view.values(r));
      if (values.length === 0) return log(line, fields);
      log(redactValues(line, values), fields && redactValues(fields, values));
    },
  };
}
