/**
 * Typed builders of Flux `HelmRepository` (source.toolkit.fluxcd.io/v1) and `HelmRelease`
 * (helm.toolkit.fluxcd.io/v2): how a Promise installs the operator or controller it needs the GitOps way,
 * at a pinned chart version, instead of vendoring upstream YAML (DESIGN.md §5).
 *
 *   dependencies: ({ config }) => helmChartDependencies({ release: "postgres-operator", chart: config.operator })
 */
import { z } from "zod";
import { ValidationError, formatIssues, type FieldIssue } from "../errors";
import { isDns1123Label } from "../vocabulary/names";
import type { K8sObject } from "./types";

export const HELM_REPOSITORY_API_VERSION = "source.toolkit.fluxcd.io/v1";
export const HELM_RELEASE_API_VERSION = "helm.toolkit.fluxcd.io/v2";

/** An exact chart version (no ranges such as `*`, `^1.2`, `>=1`, `1.x`). */
const EXACT_SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

export function isExactChartVersion(v: unknown): v is string {
  return typeof v === "string" && EXACT_SEMVER.test(v);
}

export interface HelmRepositoryArgs {
  name: string;
  namespace: string;
  /** `http(s)://` index URL, or `oci://` with type `oci`. */
  url: string;
  type?: "default" | "oci";
  /** How often Flux refreshes the index; default `1h`. */
  interval?: string;
  labels?: Record<string, string>;
}

export interface HelmReleaseArgs {
  name: string;
  namespace: string;
  chart: string;
  /** Exact chart version: the release is pinned. */
  version: string;
  /** The HelmRepository the chart comes from. */
  repository: { name: string; namespace?: string };
  /** Namespace the chart's objects go to (default: the HelmRelease's namespace). */
  targetNamespace?: string;
  releaseName?: string;
  values?: Record<string, unknown>;
  /** Reconcile interval; default `10m`. */
  interval?: string;
  /** Retries on a failed install/upgrade before giving up; default 3. */
  retries?: number;
  labels?: Record<string, string>;
}

function metaIssues(name: unknown, namespace: unknown, at: string[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!isDns1123Label(name)) issues.push({ path: [...at, "name"], message: `${JSON.stringify(name)} must be a DNS-1123 label` });
  if (!isDns1123Label(namespace)) issues.push({ path: [...at, "namespace"], message: `${JSON.stringify(namespace)} must be a DNS-1123 label` });
  return issues;
}

function intervalIssue(v: string | undefined, at: string[]): FieldIssue[] {
  return v === undefined || DURATION.test(v) ? [] : [{ path: at, message: `"${v}" must be a Go duration such as 30s, 10m or 1h` }];
}

function fail(what: string, issues: FieldIssue[]): never {
  throw new ValidationError(`${what} is invalid: ${formatIssues(issues)}`, issues, "InvalidHelmSource");
}

/** A Flux HelmRepository; throws a ValidationError naming each bad field. */
export function helmRepository(a: HelmRepositoryArgs): K8sObject {
  const type = a.type ?? "default";
  const issues = metaIssues(a.name, a.namespace, []);
  const scheme = type === "oci" ? /^oci:\/\/\S+$/ : /^https?:\/\/\S+$/;
  if (typeof a.url !== "string" || !scheme.test(a.url)) {
    issues.push({ path: ["url"], message: `${JSON.stringify(a.url)} must be ${type === "oci" ? "an oci:// URL" : "an http(s):// chart repository URL"}` });
  }
  issues.push(...intervalIssue(a.interval, ["interval"]));
  if (issues.length) fail(`HelmRepository "${a.name}"`, issues);
  const spec: Record<string, unknown> = { interval: a.interval ?? "1h", url: a.url };
  if (type === "oci") spec.type = "oci";
  return {
    apiVersion: HELM_REPOSITORY_API_VERSION,
    kind: "HelmRepository",
    metadata: { name: a.name, namespace: a.namespace, ...(a.labels ? { labels: a.labels } : {}) },
    spec,
  };
}

/** A Flux HelmRelease of a chart pinned to an exact version; throws a ValidationError naming each bad field. */
export function helmRelease(a: HelmReleaseArgs): K8sObject {
  const issues = metaIssues(a.name, a.namespace, []);
  if (typeof a.chart !== "string" || !/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/.test(a.chart)) issues.push({ path: ["chart"], message: `${JSON.stringify(a.chart)} must be a chart name` });
  if (!isExactChartVersion(a.version)) issues.push({ path: ["version"], message: `${JSON.stringify(a.version)} must be an exact chart version such as 1.14.0 (ranges are not allowed: pin the chart)` });
  if (!isDns1123Label(a.repository?.name)) issues.push({ path: ["repository", "name"], message: "must name the HelmRepository (DNS-1123 label)" });
  if (a.repository?.namespace !== undefined && !isDns1123Label(a.repository.namespace)) issues.push({ path: ["repository", "namespace"], message: "must be a DNS-1123 label" });
  if (a.targetNamespace !== undefined && !isDns1123Label(a.targetNamespace)) issues.push({ path: ["targetNamespace"], message: "must be a DNS-1123 label" });
  if (a.retries !== undefined && (!Number.isInteger(a.retries) || a.retries < 0)) issues.push({ path: ["retries"], message: "must be a whole number ≥ 0" });
  issues.push(...intervalIssue(a.interval, ["interval"]));
  if (issues.length) fail(`HelmRelease "${a.name}"`, issues);
  const retries = a.retries ?? 3;
  const spec: Record<string, unknown> = {
    interval: a.interval ?? "10m",
    releaseName: a.releaseName ?? a.name,
    chart: {
      spec: {
        chart: a.chart,
        version: a.version,
        sourceRef: { kind: "HelmRepository", name: a.repository.name, namespace: a.repository.namespace ?? a.namespace },
        interval: a.interval ?? "10m",
      },
    },
    install: { crds: "CreateReplace", remediation: { retries } },
    upgrade: { crds: "CreateReplace", remediation: { retries, remediateLastFailure: true } },
  };
  if (a.targetNamespace !== undefined) spec.targetNamespace = a.targetNamespace;
  if (a.values !== undefined && Object.keys(a.values).length) spec.values = a.values;
  return {
    apiVersion: HELM_RELEASE_API_VERSION,
    kind: "HelmRelease",
    metadata: { name: a.name, namespace: a.namespace, ...(a.labels ? { labels: a.labels } : {}) },
    spec,
  };
}

/** Organisation config of one chart install: where it goes and which version. Defaults come from the Promise. */
export function helmChartConfig(defaults: { namespace: string; repository: string; chart: string; version: string }) {
  return z
    .object({
      /** Namespace the operator (and its HelmRepository/HelmRelease) lives in. */
      namespace: z.string().refine(isDns1123Label, "must be a DNS-1123 label").default(defaults.namespace),
      /** Chart repository index URL. */
      repository: z.string().regex(/^(https?|oci):\/\/\S+$/, "must be an http(s):// or oci:// URL").default(defaults.repository),
      chart: z.string().min(1).default(defaults.chart),
      /** Exact chart version (pinned). */
      version: z.string().refine(isExactChartVersion, "must be an exact chart version such as 1.2.3 (no ranges)").default(defaults.version),
      /** Extra Helm values merged over the Promise's own. */
      values: z.record(z.string(), z.unknown()).default({}),
    })
    .prefault({});
}

export type HelmChartConfig = z.output<ReturnType<typeof helmChartConfig>>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge of Helm values: objects merge, everything else (arrays too) is replaced by `over`. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeValues(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/**
 * The Dependencies that install one chart: its Namespace, a HelmRepository and a HelmRelease pinned at
 * `chart.version`, all in `chart.namespace`. `values` are the Promise's; `chart.values` (org config) win.
 */
export function helmChartDependencies(args: { release: string; chart: HelmChartConfig; values?: Record<string, unknown>; labels?: Record<string, string> }): K8sObject[] {
  const { chart, release } = args;
  const labels = { "app.kubernetes.io/managed-by": "plinth", ...(args.labels ?? {}) };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: chart.namespace, labels } },
    helmRepository({ name: release, namespace: chart.namespace, url: chart.repository, type: chart.repository.startsWith("oci://") ? "oci" : "default", labels }),
    helmRelease({
      name: release,
      namespace: chart.namespace,
      chart: chart.chart,
      version: chart.version,
      repository: { name: release, namespace: chart.namespace },
      values: mergeValues(args.values ?? {}, chart.values),
      labels,
    }),
  ];
}
