/** Pure builders of what a PromiseInstallation writes: Dependencies and promise-workflow output per destination. */
import { withKustomization } from "../state-store/layout";
import * as YAML from "yaml";
import { ValidationError, formatIssues, type FieldIssue } from "../errors";
import { dependenciesDir, shortId } from "../state-store/layout";
import { destinationPath, type DestinationSpec } from "../vocabulary/destination";
import { matchDestinations, mergeSelectors } from "../vocabulary/scheduling";
import type { WorkflowResult } from "../workflow/types";
import { STATIC_DEPENDENCIES_PIPELINE } from "./define";
import { groupFiles, type PlacementSpec } from "./groups";
import type { AnyPromise, K8sObject } from "./types";

function fileStem(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
}

/** Checks rendered Dependencies: each needs apiVersion, kind and metadata.name (paths `dependencies[i]…`). */
export function dependencyIssues(objects: unknown): FieldIssue[] {
  if (!Array.isArray(objects)) return [{ path: ["dependencies"], message: "dependencies(ctx) must return a list of Kubernetes objects" }];
  const issues: FieldIssue[] = [];
  objects.forEach((o, i) => {
    const at = ["dependencies", i];
    if (typeof o !== "object" || o === null) return issues.push({ path: at, message: "must be a Kubernetes object" });
    if (typeof o.apiVersion !== "string" || !o.apiVersion) issues.push({ path: [...at, "apiVersion"], message: "required, e.g. v1" });
    if (typeof o.kind !== "string" || !o.kind) issues.push({ path: [...at, "kind"], message: "required, e.g. ConfigMap" });
    if (typeof o.metadata?.name !== "string" || !o.metadata.name) issues.push({ path: [...at, "metadata", "name"], message: "required" });
  });
  return issues;
}

/**
 * One YAML file per object (`<kind>-[<namespace>-]<name>.yaml`) plus a `kustomization.yaml` listing them
 * in order, so a Flux Kustomization (or `kubectl apply -k`) applies exactly these.
 */
export function dependencyFiles(objects: K8sObject[]): Record<string, string> {
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (const o of objects) {
    const base = fileStem([o.kind, o.metadata.namespace, o.metadata.name].filter(Boolean).join("-"));
    let file = `${base}.yaml`;
    for (let n = 2; file in files || file === "kustomization.yaml"; n++) file = `${base}-${n}.yaml`;
    files[file] = YAML.stringify(o);
    names.push(file);
  }
  files["kustomization.yaml"] = YAML.stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: names });
  return files;
}

export interface DependencyPlacementArgs {
  /** Name of the installation component: children are named from it. */
  name: string;
  promise: AnyPromise;
  /** Organisation config, already validated (defaults applied). */
  config: unknown;
  destinations: readonly DestinationSpec[];
  /** Store used for destinations that do not name their own. */
  store: string;
  /** Output of the promise configure workflow, if any. */
  workflow?: WorkflowResult;
}

function storeOf(d: DestinationSpec, fallback: string): string {
  return d.stateStore || fallback;
}

/**
 * Placements of an installation: the static Dependencies on every destination matching the Promise's
 * selectors (`dependencies/<promise>/static/<id>`), and each promise-workflow pipeline's output groups on
 * every destination matching the group's selectors overlaid by the Promise's
 * (`dependencies/<promise>/<pipeline>/<id>`). Empty groups are not written.
 */
export function buildDependencyPlacements(args: DependencyPlacementArgs): PlacementSpec[] {
  const { promise, name } = args;
  const out: PlacementSpec[] = [];
  const promiseLabels = mergeSelectors(promise.destinationSelectors);
  if (promise.dependencies) {
    const objects = promise.dependencies({ config: args.config });
    const issues = dependencyIssues(objects);
    if (issues.length) throw new ValidationError(`Promise "${promise.name}" rendered invalid Dependencies: ${formatIssues(issues)}`, issues, "InvalidDependencies");
    if (objects.length) {
      const files = dependencyFiles(objects);
      const id = shortId(`${promise.name}/${STATIC_DEPENDENCIES_PIPELINE}`);
      for (const d of matchDestinations({ destinations: args.destinations, selectors: promiseLabels })) {
        const dir = dependenciesDir({ destinationPath: destinationPath(d), promise: promise.name, pipeline: STATIC_DEPENDENCIES_PIPELINE, id });
        out.push({ name: `${name}-${STATIC_DEPENDENCIES_PIPELINE}-${d.name}`, store: storeOf(d, args.store), dir, destination: d.name, files: { ...files } });
      }
    }
  }
  for (const result of args.workflow?.pipelines ?? []) {
    for (const group of groupFiles(result)) {
      if (Object.keys(group.files).length === 0) continue;
      const wfLabels = mergeSelectors(result.destinationSelectors.filter((s) => s.directory === group.directory));
      const selector = { ...wfLabels, ...promiseLabels };
      const id = shortId(`${promise.name}/${result.pipeline}/${group.directory ?? ""}`);
      for (const d of matchDestinations({ destinations: args.destinations, selectors: selector })) {
        const dir = dependenciesDir({ destinationPath: destinationPath(d), promise: promise.name, pipeline: result.pipeline, id });
        out.push({ name: `${name}-${result.pipeline}-${id}-${d.name}`, store: storeOf(d, args.store), dir, destination: d.name, files: withKustomization(group.files) });
      }
    }
  }
  return out;
}
