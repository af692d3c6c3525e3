/**
 * Helpers so every Promise's tests look the same: render a request or the Dependencies exactly as the
 * components would (same plan functions, no Pulumi engine), and check request validation.
 *
 *   const r = await renderRequest(myPromise, { apiVersion, kind, metadata, spec });
 *   assert.equal(r.objects.dev[0].kind, "Namespace");
 *   expectInvalid(myPromise, badRequest, ["spec.size"]);
 */
import assert from "node:assert/strict";
import * as YAML from "yaml";
import { ValidationError, type FieldIssue } from "../components/errors";
import {
  checkInstallation, checkRequest, planInstallation, planRequest, validateRequest,
  type AnyPromise, type InstalledPromiseRef, type K8sObject, type PlacementSpec, type PreviousDestination, type RegistryEntry, type RequestPlanStatus, type ResourceRequestObject,
} from "../components/promise";
import { destinationPath, type DestinationSpec } from "../components/vocabulary/destination";

/** One unlabelled destination `dev` in store `test`: takes any non-strict work. */
export const TEST_DESTINATIONS: DestinationSpec[] = [{ name: "dev", labels: { env: "dev" }, stateStore: "test" }];

export interface RenderOptions {
  config?: unknown;
  destinations?: DestinationSpec[];
  store?: string;
}

export interface Rendered {
  placements: PlacementSpec[];
  /** Destination name → path relative to the destination's path (e.g. `resources/default/…/x.yaml`) → content. */
  files: Record<string, Record<string, string>>;
  /** Destination name → every YAML document written there (kustomization.yaml excluded), in path order. */
  objects: Record<string, K8sObject[]>;
}

function collect(placements: PlacementSpec[], destinations: DestinationSpec[]): Rendered {
  const files: Rendered["files"] = {};
  const objects: Rendered["objects"] = {};
  for (const p of placements) {
    const d = destinations.find((x) => x.name === p.destination)!;
    const rel = p.dir.slice(destinationPath(d).length + 1);
    const mine = (files[p.destination] ??= {});
    for (const [f, content] of Object.entries(p.files)) mine[`${rel}/${f}`] = content;
  }
  for (const [dest, mine] of Object.entries(files)) {
    objects[dest] = Object.keys(mine)
      .sort()
      .filter((f) => /\.ya?ml$/.test(f) && !f.endsWith("/kustomization.yaml"))
      .flatMap((f) => YAML.parseAllDocuments(mine[f]).map((doc) => doc.toJSON() as K8sObject))
      .filter((o) => o !== null);
  }
  return { placements, files, objects };
}

export interface RenderedRequest extends Rendered {
  request: ResourceRequestObject;
  status: RequestPlanStatus;
  outputs: Record<string, unknown>;
}

/** Validates and renders a request as a ResourceRequest would; throws the same errors. */
export async function renderRequest(
  promise: AnyPromise,
  requestObject: unknown,
  opts: RenderOptions & { previousDestinations?: PreviousDestination[] } = {},
): Promise<RenderedRequest> {
  const destinations = opts.destinations ?? TEST_DESTINATIONS;
  const args = { promise, config: opts.config, request: requestObject, destinations, store: opts.store ?? "test", previousDestinations: opts.previousDestinations };
  const plan = await planRequest("test", args, checkRequest(args));
  return { ...collect(plan.placements, destinations), request: plan.request, status: plan.status, outputs: plan.outputs };
}

export interface RenderedDependencies extends Rendered {
  registry: RegistryEntry;
}

/** Renders Dependencies and promise-workflow output as a PromiseInstallation would; required Promises are assumed installed unless `installed` is given. */
export async function renderDependencies(promise: AnyPromise, opts: RenderOptions & { installed?: InstalledPromiseRef[] } = {}): Promise<RenderedDependencies> {
  const destinations = opts.destinations ?? TEST_DESTINATIONS;
  const installed = opts.installed ?? (promise.requiredPromises ?? []).map((r) => ({ name: r.name, version: r.version }));
  const args = { promise, config: opts.config, destinations, store: opts.store ?? "test", installed };
  const { config } = checkInstallation(args);
  const plan = await planInstallation("test", args, config);
  return { ...collect(plan.placements, destinations), registry: plan.registry };
}

/** Asserts the request is valid; returns it with defaults applied. */
export function expectValid(promise: AnyPromise, obj: unknown): ResourceRequestObject {
  try {
    return validateRequest(promise, obj);
  } catch (e) {
    if (e instanceof ValidationError) assert.fail(`expected a valid request, got: ${e.message}`);
    throw e;
  }
}

/** Asserts the request is refused with an issue at each of `paths` (dotted, e.g. `spec.quota.cpu`); returns the issues. */
export function expectInvalid(promise: AnyPromise, obj: unknown, paths: string[]): FieldIssue[] {
  let issues: FieldIssue[] | undefined;
  try {
    validateRequest(promise, obj);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues = e.issues;
  }
  assert.ok(issues, `expected the request to be refused at ${paths.join(", ")}, but it was accepted`);
  const got = issues.map((i) => i.path.join("."));
  for (const p of paths) assert.ok(got.includes(p), `expected an issue at ${p}; issues were at ${got.join(", ")}`);
  return issues;
}
