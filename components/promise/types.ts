/** A Promise (DESIGN.md §4): a typed API, Dependencies, Workflows and placement rules — data plus functions. */
import type { z } from "zod";
import type { Pipeline, StepInput, StepOutput, WorkflowObject } from "../workflow/types";
import type { DestinationSelector } from "../vocabulary/scheduling";
import type { ClusterScopedGrant } from "./tenancy";

/** A plain Kubernetes object (a Dependency, or what a workflow renders). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [field: string]: unknown;
}

/** A validated resource request: `spec` has the Promise's defaults applied, `metadata.namespace` is set. */
export interface ResourceRequestObject<Spec = unknown> extends WorkflowObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Spec;
}

/** The object a promise-level workflow runs on. */
export interface PromiseObject extends WorkflowObject {
  spec: { version: string; api: { group: string; version: string; kind: string } };
}

export interface PromiseApi<S extends z.ZodType = z.ZodType> {
  /** API group, e.g. `plinth.dev`. */
  group: string;
  /** API version, e.g. `v1alpha1`. */
  version: string;
  /** Kind, e.g. `TeamNamespace`. */
  kind: string;
  /** Plural resource name; defaults to the lowercased kind + "s". */
  plural?: string;
  /** Schema of `spec` (defaults applied on validation). */
  spec: S;
}

export interface RequiredPromise {
  name: string;
  /** Exact version required (a leading `v` is ignored). */
  version?: string;
}

export interface WorkflowSet<O extends WorkflowObject, C> {
  configure?: Pipeline<O, C>[];
  delete?: Pipeline<O, C>[];
}

export interface OutputsContext<Spec, C> {
  request: ResourceRequestObject<Spec>;
  config: C;
  status: Record<string, unknown>;
}

export interface PromiseDefinition<S extends z.ZodType = z.ZodType, C extends z.ZodType = z.ZodType> {
  /** DNS-1123 label. */
  name: string;
  /** Semantic version, e.g. `1.2.0`. */
  version: string;
  description?: string;
  api: PromiseApi<S>;
  /** Organisation config schema (with defaults), validated at installation. */
  config?: C;
  /** Plain Kubernetes objects written to every matching destination. */
  dependencies?: (ctx: { config: z.output<C> }) => K8sObject[];
  /** Kratix `destinationSelectors`: ANDed; apply to dependencies and every request. */
  destinationSelectors?: DestinationSelector[];
  requiredPromises?: RequiredPromise[];
  /**
   * Cluster-scoped kinds a request's workflow may render (tenancy, DESIGN.md §6), e.g.
   * `[{ kind: "Namespace", names: "owned" }]`: Namespaces named after one of the requesting team's
   * namespaces. Without a declaration a team's request may render only namespaced objects in its own
   * namespaces. A kind not in the built-in table is namespaced unless declared here.
   */
  clusterScoped?: ClusterScopedGrant[];
  /**
   * Flux health checks of each request on cluster destinations: the request's Kustomization gets
   * `wait: true` (kstatus of every object it applies, within `timeout`, default the destination's
   * `requestTimeout`) and the request a `Healthy` condition from it.
   */
  healthChecks?: boolean | { timeout?: string };
  /**
   * Shorthand for the common workflow, Kratix's `workflows.resource.configure` with one container: a
   * `configure` pipeline with one render step (named `configureStep`, default `render`). `definePromise`
   * turns it into `workflows.resource.configure`; not together with that.
   */
  configure?: (input: StepInput<ResourceRequestObject<z.output<S>>, z.output<C>>) => StepOutput | Promise<StepOutput>;
  configureStep?: string;
  workflows?: {
    promise?: WorkflowSet<PromiseObject, z.output<C>>;
    resource?: WorkflowSet<ResourceRequestObject<z.output<S>>, z.output<C>>;
  };
  /**
   * Migrates a stored request's spec written for an older version of this Promise to the current schema
   * (platform `up` refuses a schema change that rejects existing requests unless this is given).
   */
  migrate?: (spec: unknown, fromVersion: string | undefined) => unknown;
  /** What a request's stack exports as `outputs`, from the request and its final status. */
  outputs?: (ctx: OutputsContext<z.output<S>, z.output<C>>) => Record<string, unknown>;
}

/** Any Promise, whatever its schemas. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Promise: PromiseDefinition is invariant in its schemas
export type AnyPromise = PromiseDefinition<any, any>;

/** What the platform registers about an installed Promise (the platform stack's `promises` output). */
export interface RegistryEntry {
  name: string;
  version: string;
  apiVersion: string;
  kind: string;
  plural: string;
  /** JSON Schema of `spec`. */
  schema: Record<string, unknown>;
  /** Destinations that received the Promise's Dependencies. */
  destinations: string[];
}
