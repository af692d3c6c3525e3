/** What installing a Promise means, as data: checks, the promise workflow run, placements, registry entry. */
import { ValidationError, formatIssues, type FieldIssue } from "../errors";
import { runPipelines } from "../workflow/run";
import { actionResources, type ActionResourceSpec } from "../workflow/action-steps";
import { validateDestinations, type DestinationSpec } from "../vocabulary/destination";
import { matchDestinations, mergeSelectors } from "../vocabulary/scheduling";
import { apiVersionOf, pluralOf, validatePromiseDefinition } from "./define";
import { buildDependencyPlacements } from "./dependencies";
import type { PlacementSpec } from "./groups";
import { jsonSchemaOf, parseConfig } from "./schema";
import type { AnyPromise, PromiseObject, RegistryEntry } from "./types";
import type * as pulumi from "@pulumi/pulumi";
import { assertKratixMounts } from "../workflow/actions/kratix-mount";

/** Whether any workflow of the Promise has a Kratix command step. */
export function usesCommandSteps(promise: AnyPromise): boolean {
  const sets = [promise.workflows?.promise, promise.workflows?.resource];
  return sets.some((w) => [...(w?.configure ?? []), ...(w?.delete ?? [])].some((p) => p.steps.some((s) => s.kind === "command")));
}

/** A Promise installed alongside: its name, or name and version. */
export type InstalledPromiseRef = string | { name: string; version?: string };

export interface InstallationInput {
  promise: AnyPromise;
  config?: unknown;
  destinations: DestinationSpec[];
  store: string;
  installed?: InstalledPromiseRef[];
}

/** Required Promises not among `installed` (a required version must match exactly, ignoring a leading `v`). */
export function missingRequiredPromises(promise: AnyPromise, installed: readonly InstalledPromiseRef[] = []): FieldIssue[] {
  const have = installed.map((i) => (typeof i === "string" ? { name: i } : i));
  const norm = (v: string) => v.replace(/^v/, "");
  const issues: FieldIssue[] = [];
  (promise.requiredPromises ?? []).forEach((req, i) => {
    const found = have.find((h) => h.name === req.name);
    if (!found) {
      issues.push({ path: ["requiredPromises", i, "name"], message: `Promise "${promise.name}" requires Promise "${req.name}"${req.version ? ` ${req.version}` : ""}, which is not installed; install it first` });
    } else if (req.version && found.version && norm(found.version) !== norm(req.version)) {
      issues.push({ path: ["requiredPromises", i, "version"], message: `Promise "${promise.name}" requires "${req.name}" ${req.version} but ${found.version} is installed` });
    }
  });
  return issues;
}

/** Synchronous checks of an installation; returns the config with defaults applied. Throws ValidationError. */
export function checkInstallation(args: InstallationInput): { config: unknown } {
  const def = validatePromiseDefinition(args.promise);
  if (def.length) throw new ValidationError(`Promise is invalid: ${formatIssues(def)}`, def.map((i) => ({ ...i, path: ["promise", ...i.path] })), "InvalidPromise");
  const dests = validateDestinations(args.destinations).map((i) => ({ ...i, path: ["destinations", ...i.path] }));
  if (dests.length) throw new ValidationError(`destinations are invalid: ${formatIssues(dests)}`, dests, "InvalidDestinations");
  const cfg = parseConfig(args.promise, args.config);
  if (!cfg.ok) throw new ValidationError(`config of Promise "${args.promise.name}" is invalid: ${formatIssues(cfg.issues)}`, cfg.issues, "InvalidConfig");
  const missing = missingRequiredPromises(args.promise, args.installed);
  if (missing.length) throw new ValidationError(missing.map((m) => m.message).join("; "), missing, "RequiredPromiseMissing");
  if (usesCommandSteps(args.promise)) assertKratixMounts(`Promise "${args.promise.name}"`);
  return { config: cfg.value };
}

/** The object a promise-level workflow runs on. */
export function promiseObject(promise: AnyPromise): PromiseObject {
  return {
    apiVersion: "plinth.dev/v1alpha1",
    kind: "Promise",
    metadata: { name: promise.name },
    spec: { version: promise.version, api: { group: promise.api.group, version: promise.api.version, kind: promise.api.kind } },
    status: {},
  };
}

export function registryEntry(promise: AnyPromise, destinations: readonly DestinationSpec[]): RegistryEntry {
  return {
    name: promise.name,
    version: promise.version,
    apiVersion: apiVersionOf(promise),
    kind: promise.api.kind,
    plural: pluralOf(promise),
    schema: jsonSchemaOf(promise),
    destinations: matchDestinations({ destinations, selectors: mergeSelectors(promise.destinationSelectors) }).map((d) => d.name),
  };
}

export interface InstallationPlan {
  placements: PlacementSpec[];
  registry: RegistryEntry;
  /** Status left by the promise configure workflow. */
  status: Record<string, unknown>;
  /** One `Action` resource per action the promise configure workflow declared. */
  actions: ActionResourceSpec[];
}

/** Runs the promise configure workflow and builds every placement. `config` must come from checkInstallation. */
export async function planInstallation(name: string, args: InstallationInput, config: unknown, parent?: pulumi.Resource): Promise<InstallationPlan> {
  const pipelines = args.promise.workflows?.promise?.configure ?? [];
  const workflow = pipelines.length
    ? await runPipelines({ pipelines, object: promiseObject(args.promise), config, phase: { scope: "promise", action: "configure" }, parent, name, promise: args.promise.name, plural: "promises" })
    : undefined;
  const placements = buildDependencyPlacements({ name, promise: args.promise, config, destinations: args.destinations, store: args.store, workflow });
  const actions = workflow ? actionResources(name, workflow) : [];
  return { placements, registry: registryEntry(args.promise, args.destinations), status: workflow?.status ?? {}, actions };
}
