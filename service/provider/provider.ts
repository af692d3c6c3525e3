/**
 * The `plinth` resource provider (DESIGN.md §3.7), written with `@pulumi/pulumi/provider`.
 * It serves Plinth's own custom resources by type token; the service runs it inside its own process and
 * every engine run attaches to it, so no provider process is spawned per request.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import type { ResourceHandler } from "./types";

export const PROVIDER_NAME = "plinth";
export const PROVIDER_VERSION = "0.1.0";

/** `urn:pulumi:stack::project::parent$type::name` → `type`. */
export function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  const segs = qualified.split("$");
  return segs[segs.length - 1];
}

/** Values the engine sends may carry secret wrappers; handlers see plain values. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") return plain(o.value);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) out[k] = plain(val);
    return out;
  }
  return v;
}

export class PlinthProvider implements provider.Provider {
  readonly version = PROVIDER_VERSION;
  private readonly handlers: Map<string, ResourceHandler>;

  constructor(handlers: Record<string, ResourceHandler>) {
    this.handlers = new Map(Object.entries(handlers));
  }

  /** Adds or replaces the handler of a type token. */
  register(type: string, handler: ResourceHandler): void {
    this.handlers.set(type, handler);
  }

  private handler(urn: string): ResourceHandler {
    const type = typeOfUrn(urn);
    const h = this.handlers.get(type);
    if (!h) throw new Error(`the plinth provider does not serve resource type ${type}`);
    return h;
  }

  async check(urn: pulumi.URN, _olds: unknown, news: unknown): Promise<provider.CheckResult> {
    const failures = this.handler(urn).check?.(plain(news) as Record<string, unknown>) ?? [];
    return { inputs: news, failures: failures.map((f) => ({ property: f.path, reason: f.reason })) };
  }

  async diff(_id: pulumi.ID, urn: pulumi.URN, olds: unknown, news: unknown): Promise<provider.DiffResult> {
    return this.handler(urn).diff(plain(olds) as Record<string, unknown>, plain(news) as Record<string, unknown>);
  }

  async create(urn: pulumi.URN, inputs: unknown): Promise<provider.CreateResult> {
    return this.handler(urn).create(plain(inputs) as Record<string, unknown>);
  }

  async update(id: pulumi.ID, urn: pulumi.URN, olds: unknown, news: unknown): Promise<provider.UpdateResult> {
    return this.handler(urn).update(id, plain(olds) as Record<string, unknown>, plain(news) as Record<string, unknown>);
  }

  async read(id: pulumi.ID, urn: pulumi.URN, props?: unknown): Promise<provider.ReadResult> {
    const h = this.handler(urn);
    const current = plain(props ?? {}) as Record<string, unknown>;
    if (!h.read) return { id, props: current };
    return h.read(id, current);
  }

  async delete(id: pulumi.ID, urn: pulumi.URN, props: unknown): Promise<void> {
    await this.handler(urn).delete(id, plain(props) as Record<string, unknown>);
  }
}
