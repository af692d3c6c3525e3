/** `definePromise`: a typed Promise, checked once where it is declared. */
import type { z } from "zod";
import { ValidationError, formatIssues, type FieldIssue } from "../errors";
import { isDns1123Label, labelIssues } from "../vocabulary/names";
import type { PromiseDefinition } from "./types";
import { clusterScopedIssues } from "./tenancy";

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const API_VERSION = /^v[1-9]\d*((alpha|beta)[1-9]\d*)?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/** Pipeline name the Promise's static Dependencies are written under (`dependencies/<promise>/static/<id>`). */
export const STATIC_DEPENDENCIES_PIPELINE = "static";

export function isSemver(v: unknown): v is string {
  return typeof v === "string" && SEMVER.test(v);
}

function isZod(s: unknown): s is z.ZodType {
  return typeof s === "object" && s !== null && typeof (s as z.ZodType).safeParse === "function";
}

function pipelineIssues(list: unknown, path: (string | number)[]): FieldIssue[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ path, message: "must be a list of pipelines { name, steps }" }];
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  list.forEach((p, i) => {
    const at = [...path, i];
    if (typeof p !== "object" || p === null) return issues.push({ path: at, message: "must be a pipeline { name, steps }" });
    if (!isDns1123Label(p.name)) issues.push({ path: [...at, "name"], message: `"${String(p.name)}" must be a DNS-1123 label` });
    else if (p.name === STATIC_DEPENDENCIES_PIPELINE) issues.push({ path: [...at, "name"], message: `"${p.name}" is reserved for the Promise's static Dependencies; choose another name` });
    else if (seen.has(p.name)) issues.push({ path: [...at, "name"], message: `"${p.name}" is used by another pipeline of this workflow` });
    else seen.add(p.name);
    if (!Array.isArray(p.steps)) return issues.push({ path: [...at, "steps"], message: "must be a list of steps" });
    const stepNames = new Set<string>();
    p.steps.forEach((s: Record<string, unknown>, j: number) => {
      const sp = [...at, "steps", j];
      if (typeof s !== "object" || s === null) return issues.push({ path: sp, message: "must be a step { name, render } or { kind, name, … }" });
      if (!isDns1123Label(s.name)) issues.push({ path: [...sp, "name"], message: `"${String(s.name)}" must be a DNS-1123 label` });
      else if (stepNames.has(s.name)) issues.push({ path: [...sp, "name"], message: `"${s.name}" is used by another step of this pipeline` });
      else stepNames.add(s.name);
      const kind = s.kind ?? "render";
      if (typeof kind !== "string") issues.push({ path: [...sp, "kind"], message: "must be a string" });
      else if (kind === "render" && typeof s.render !== "function") issues.push({ path: [...sp, "render"], message: "a render step needs a render(input) function" });
    });
  });
  return issues;
}

/** Every problem of a Promise definition, each naming its field (e.g. `api.kind`). */
export function validatePromiseDefinition(def: unknown): FieldIssue[] {
  if (typeof def !== "object" || def === null) return [{ path: [], message: "a Promise must be an object" }];
  const d = def as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an unchecked definition, read field by field below
  const issues: FieldIssue[] = [];
  if (!isDns1123Label(d.name)) issues.push({ path: ["name"], message: `"${String(d.name)}" must be a DNS-1123 label (lowercase alphanumerics and '-', ≤ 63)` });
  if (d.configure !== undefined && typeof d.configure !== "function") issues.push({ path: ["configure"], message: "must be a render function ({ object, config }) => ({ files, status })" });
  if (!isSemver(d.version)) issues.push({ path: ["version"], message: `"${String(d.version)}" must be a semantic version such as 1.0.0` });
  const api = d.api;
  if (typeof api !== "object" || api === null) {
    issues.push({ path: ["api"], message: "required: { group, version, kind, spec }" });
  } else {
    if (typeof api.group !== "string" || api.group.length > 253 || !DNS1123_SUBDOMAIN.test(api.group) || !api.group.includes(".")) {
      issues.push({ path: ["api", "group"], message: `"${String(api.group)}" must be a DNS subdomain with a dot, e.g. plinth.dev` });
    }
    if (typeof api.version !== "string" || !API_VERSION.test(api.version)) {
      issues.push({ path: ["api", "version"], message: `"${String(api.version)}" must be a Kubernetes API version such as v1, v1alpha1, v2beta3` });
    }
    if (typeof api.kind !== "string" || !KIND.test(api.kind) || api.kind.length > 63) {
      issues.push({ path: ["api", "kind"], message: `"${String(api.kind)}" must be letters and digits starting with a letter, e.g. TeamNamespace (lowercase kinds such as the Kratix Marketplace's jenkins are allowed)` });
    }
    if (api.plural !== undefined && !isDns1123Label(api.plural)) {
      issues.push({ path: ["api", "plural"], message: `"${String(api.plural)}" must be a lowercase DNS-1123 label` });
    }
    if (!isZod(api.spec)) issues.push({ path: ["api", "spec"], message: "must be a zod schema of the request's spec" });
  }
  if (d.description !== undefined && typeof d.description !== "string") issues.push({ path: ["description"], message: "must be a string" });
  if (d.config !== undefined && !isZod(d.config)) issues.push({ path: ["config"], message: "must be a zod schema of the organisation config" });
  for (const fn of ["dependencies", "outputs"]) {
    if (d[fn] !== undefined && typeof d[fn] !== "function") issues.push({ path: [fn], message: "must be a function" });
  }
  if (d.destinationSelectors !== undefined) {
    if (!Array.isArray(d.destinationSelectors)) issues.push({ path: ["destinationSelectors"], message: "must be a list of { matchLabels }" });
    else d.destinationSelectors.forEach((s: { matchLabels?: unknown }, i: number) =>
      issues.push(...labelIssues(s?.matchLabels, ["destinationSelectors", i, "matchLabels"])));
  }
  if (d.requiredPromises !== undefined) {
    if (!Array.isArray(d.requiredPromises)) issues.push({ path: ["requiredPromises"], message: "must be a list of { name, version? }" });
    else d.requiredPromises.forEach((r: { name?: unknown; version?: unknown }, i: number) => {
      if (!isDns1123Label(r?.name)) issues.push({ path: ["requiredPromises", i, "name"], message: `"${String(r?.name)}" must be a Promise name (DNS-1123 label)` });
      else if (r.name === d.name) issues.push({ path: ["requiredPromises", i, "name"], message: "a Promise cannot require itself" });
      if (r?.version !== undefined && !isSemver(String(r.version).replace(/^v/, ""))) {
        issues.push({ path: ["requiredPromises", i, "version"], message: `"${String(r.version)}" must be a semantic version` });
      }
    });
  }
  issues.push(...clusterScopedIssues(d.clusterScoped));
  const hc = d.healthChecks;
  if (hc !== undefined && typeof hc !== "boolean") {
    if (typeof hc !== "object" || hc === null || Object.keys(hc).some((k) => k !== "timeout")) issues.push({ path: ["healthChecks"], message: "must be true, false or { timeout }" });
    else if (hc.timeout !== undefined && !/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(String(hc.timeout))) {
      issues.push({ path: ["healthChecks", "timeout"], message: `"${String(hc.timeout)}" must be a Go duration such as 30s, 2m or 1h` });
    }
  }
  const wf = d.workflows;
  if (wf !== undefined) {
    if (typeof wf !== "object" || wf === null) issues.push({ path: ["workflows"], message: "must be { promise?, resource? }" });
    else {
      for (const key of Object.keys(wf)) {
        if (key !== "promise" && key !== "resource") issues.push({ path: ["workflows", key], message: "unknown workflow; use promise or resource" });
      }
      for (const scope of ["promise", "resource"] as const) {
        const set = wf[scope];
        if (set === undefined) continue;
        for (const key of Object.keys(set)) {
          if (key !== "configure" && key !== "delete") issues.push({ path: ["workflows", scope, key], message: "unknown action; use configure or delete" });
        }
        issues.push(...pipelineIssues(set.configure, ["workflows", scope, "configure"]));
        issues.push(...pipelineIssues(set.delete, ["workflows", scope, "delete"]));
      }
    }
  }
  return issues;
}

/** `configure` (the one-step shorthand) as `workflows.resource.configure`; the definition as is without it. */
function expandConfigure<S extends z.ZodType, C extends z.ZodType>(def: PromiseDefinition<S, C>): PromiseDefinition<S, C> {
  if (def?.configure === undefined) return def;
  if (def.workflows?.resource?.configure) {
    throw new ValidationError(`Promise "${def.name}" is invalid: configure: give either the configure shorthand or workflows.resource.configure, not both`, [{ path: ["configure"], message: "given with workflows.resource.configure" }], "InvalidPromise");
  }
  const { configure, configureStep, ...rest } = def;
  if (typeof configure !== "function") return def; // reported by validation
  const pipeline = { name: "configure", steps: [{ name: configureStep ?? "render", render: configure }] };
  return { ...rest, workflows: { ...rest.workflows, resource: { ...rest.workflows?.resource, configure: [pipeline] } } };
}

/** Declares a Promise; throws a ValidationError listing every problem of the definition. */
export function definePromise<S extends z.ZodType, C extends z.ZodType = z.ZodType>(given: PromiseDefinition<S, C>): PromiseDefinition<S, C> {
  const def = expandConfigure(given);
  const issues = validatePromiseDefinition(def);
  if (issues.length) {
    const who = typeof def?.name === "string" ? `Promise "${def.name}"` : "Promise";
    throw new ValidationError(`${who} is invalid: ${formatIssues(issues)}`, issues, "InvalidPromise");
  }
  return def;
}

/** `group/version` of the Promise's API. */
export function apiVersionOf(p: Pick<PromiseDefinition, "api">): string {
  return `${p.api.group}/${p.api.version}`;
}

/** The plural resource name (default: lowercased kind + "s"). */
export function pluralOf(p: Pick<PromiseDefinition, "api">): string {
  return p.api.plural ?? `${p.api.kind.toLowerCase()}s`;
}
