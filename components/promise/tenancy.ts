/**
 * Tenancy of what a request's workflow rendered (DESIGN.md §3 step 3, §6), checked before anything is
 * written: every namespaced object must name a namespace the requesting team owns; cluster-scoped kinds
 * only where the Promise declares them (`clusterScoped`). Pure: files in, violations out.
 */
import { parseAllDocuments } from "yaml";
import { ForbiddenError } from "../errors";
import { PLATFORM_RECONCILER, teamServiceAccountName } from "../state-store/flux-index";

/** Who a request is reconciled for: its team and that team's namespaces (`"*"` = the platform / an admin team). */
export interface Tenant {
  team: string;
  namespaces: readonly string[] | "*";
}

/**
 * A Promise's permission to render one cluster-scoped kind:
 * `{ kind: "Namespace", names: "owned" }` — Namespaces whose name is one of the team's namespaces;
 * `names: "any"` — any name; `names: ["x", "y"]` — exactly those names. `group` is the API group
 * (`""` for core, e.g. `cert-manager.io`); omitted, the kind's own group from the built-in table, or any
 * group for kinds the table does not know (declaring such a kind is what makes it cluster-scoped).
 */
export interface ClusterScopedGrant {
  kind: string;
  group?: string;
  names: "owned" | "any" | readonly string[];
}

/** Built-in cluster-scoped kinds, `group/Kind` (core group = ""). Any other kind is namespaced unless declared. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
  "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apiregistration.k8s.io/APIService",
  "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment", "storage.k8s.io/VolumeAttributesClass",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
  "scheduling.k8s.io/PriorityClass", "node.k8s.io/RuntimeClass",
  "certificates.k8s.io/CertificateSigningRequest", "certificates.k8s.io/ClusterTrustBundle",
  "networking.k8s.io/IngressClass", "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
  "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
  "resource.k8s.io/DeviceClass", "resource.k8s.io/ResourceSlice",
  "policy/PodSecurityPolicy",
]);

/** One rendered object (or kustomization) the team may not place. */
export interface PlacementViolation {
  /** `<pipeline>/<path>` of the file as the workflow wrote it. */
  file: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The rule it breaks, as a sentence. */
  rule: string;
}

export interface TenancyInput {
  tenant: Tenant;
  /** The Promise's `clusterScoped` declarations. */
  clusterScoped?: readonly ClusterScopedGrant[];
  /** Each pipeline's rendered files (path → content). */
  pipelines: readonly { pipeline: string; files: Readonly<Record<string, string>> }[];
}

const KUSTOMIZATION_FILES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

function owns(tenant: Tenant, namespace: string): boolean {
  return tenant.namespaces === "*" || tenant.namespaces.includes(namespace);
}

function owned(tenant: Tenant): string {
  return tenant.namespaces === "*" ? "any namespace" : tenant.namespaces.map((n) => `"${n}"`).join(", ") || "no namespace";
}

function grantFor(grants: readonly ClusterScopedGrant[], group: string, kind: string): ClusterScopedGrant | undefined {
  return grants.find((g) => g.kind === kind && (g.group === undefined ? true : g.group === group));
}

/** Checks one object; undefined when the team may place it. */
function objectViolation(tenant: Tenant, grants: readonly ClusterScopedGrant[], file: string, obj: Record<string, unknown>): PlacementViolation | undefined {
  const kind = String(obj.kind);
  const group = groupOf(String(obj.apiVersion ?? ""));
  const meta = (typeof obj.metadata === "object" && obj.metadata !== null ? obj.metadata : {}) as Record<string, unknown>;
  const name = typeof meta.name === "string" ? meta.name : "";
  const namespace = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : undefined;
  const grant = grantFor(grants, group, kind);
  const clusterScoped = CLUSTER_SCOPED_KINDS.has(`${group}/${kind}`) || grant !== undefined;
  const base = { file, kind, name, ...(namespace ? { namespace } : {}) };
  if (!clusterScoped) {
    if (!namespace) return { ...base, rule: `a namespaced object must set metadata.namespace to one of the team's namespaces (${owned(tenant)})` };
    if (!owns(tenant, namespace)) return { ...base, rule: `namespace "${namespace}" is not one of team "${tenant.team}"'s namespaces (${owned(tenant)})` };
    return undefined;
  }
  if (!grant) return { ...base, rule: `${kind} is cluster-scoped and the Promise does not declare it (clusterScoped: [{ kind: "${kind}", names: … }])` };
  if (grant.names === "any") return undefined;
  if (grant.names === "owned") {
    return owns(tenant, name) ? undefined : { ...base, rule: `the Promise allows ${kind} only with a name of team "${tenant.team}"'s namespaces (${owned(tenant)})` };
  }
  return grant.names.includes(name) ? undefined : { ...base, rule: `the Promise allows ${kind} only named ${grant.names.map((n) => `"${n}"`).join(", ")}` };
}

/** A workflow's own kustomization: its `namespace` must be the team's, its references inside what was rendered. */
function kustomizationViolations(tenant: Tenant, file: string, path: string, doc: Record<string, unknown>, files: Readonly<Record<string, string>>): PlacementViolation[] {
  const out: PlacementViolation[] = [];
  const base = { file, kind: "Kustomization", name: path };
  if (typeof doc.namespace === "string" && !owns(tenant, doc.namespace)) {
    out.push({ ...base, namespace: doc.namespace, rule: `its namespace "${doc.namespace}" is not one of team "${tenant.team}"'s namespaces (${owned(tenant)})` });
  }
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const rendered = Object.keys(files);
  for (const key of ["resources", "bases", "components", "crds"]) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    for (const ref of list) {
      const r = String(ref);
      const inside = !r.includes("://") && !r.startsWith("/") && !r.split("/").includes("..");
      const target = `${dir}${r.replace(/^\.\//, "").replace(/\/$/, "")}`;
      if (inside && rendered.some((f) => f === target || f.startsWith(`${target}/`))) continue;
      out.push({ ...base, rule: `${key} entry "${r}" must name a file or directory this workflow rendered next to it (no remote, absolute or '..' references)` });
    }
  }
  return out;
}

/** Every object and kustomization the team may not place; empty when all is allowed. */
export function tenancyViolations(input: TenancyInput): PlacementViolation[] {
  if (input.tenant.namespaces === "*") return [];
  const grants = input.clusterScoped ?? [];
  const out: PlacementViolation[] = [];
  for (const p of input.pipelines) {
    for (const [path, content] of Object.entries(p.files)) {
      if (!/\.ya?ml$/.test(path) && path !== "Kustomization" && !path.endsWith("/Kustomization")) continue;
      const file = `${p.pipeline}/${path}`;
      const docs = parseAllDocuments(content);
      const list = Array.isArray(docs) ? docs : [docs];
      if (list.some((d) => d.errors.length)) {
        out.push({ file, kind: "(unreadable)", name: path, rule: "the file is not valid YAML, so where it would be applied cannot be checked" });
        continue;
      }
      for (const d of list) {
        const value = d.toJS({ maxAliasCount: 100 }) as unknown;
        if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
        const doc = value as Record<string, unknown>;
        if (KUSTOMIZATION_FILES.has(path.split("/").pop()!)) {
          out.push(...kustomizationViolations(input.tenant, file, path, doc, p.files));
          continue;
        }
        if (typeof doc.kind !== "string") continue;
        const items = /List$/.test(doc.kind) && Array.isArray(doc.items) ? (doc.items as unknown[]) : [doc];
        for (const item of items) {
          if (typeof item !== "object" || item === null || typeof (item as { kind?: unknown }).kind !== "string") continue;
          const v = objectViolation(input.tenant, grants, file, item as Record<string, unknown>);
          if (v) out.push(v);
        }
      }
    }
  }
  return out;
}

/** `Namespace kube-system (configure/namespace.yaml): …` */
export function describeViolation(v: PlacementViolation): string {
  return `${v.kind} ${v.namespace ? `${v.namespace}/` : ""}${v.name || "(unnamed)"} (${v.file}): ${v.rule}`;
}

/** The request renders something its team may not place: Stalled with reason ForbiddenPlacement, nothing written. */
export class ForbiddenPlacementError extends ForbiddenError {
  readonly violations: PlacementViolation[];
  constructor(tenant: Tenant, violations: PlacementViolation[]) {
    const shown = violations.slice(0, 5).map(describeViolation).join("; ");
    const more = violations.length > 5 ? `; … and ${violations.length - 5} more` : "";
    super(`ForbiddenPlacement: team "${tenant.team}" may not place ${shown}${more}. Nothing was written.`, { team: tenant.team, violations }, "ForbiddenPlacement");
    this.violations = violations;
  }
}

/** Throws ForbiddenPlacementError when the workflow rendered anything the tenant may not place. */
export function assertTenancy(input: TenancyInput): void {
  const violations = tenancyViolations(input);
  if (violations.length) throw new ForbiddenPlacementError(input.tenant, violations);
}

/** Issues of a Promise's `clusterScoped` declaration (each names its field). */
export function clusterScopedIssues(list: unknown): { path: (string | number)[]; message: string }[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return [{ path: ["clusterScoped"], message: 'must be a list such as [{ kind: "Namespace", names: "owned" }]' }];
  const issues: { path: (string | number)[]; message: string }[] = [];
  list.forEach((g: Partial<ClusterScopedGrant> | null, i: number) => {
    const at = ["clusterScoped", i];
    if (typeof g !== "object" || g === null) return void issues.push({ path: at, message: 'must be { kind, group?, names: "owned" | "any" | [names] }' });
    if (typeof g.kind !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(g.kind)) issues.push({ path: [...at, "kind"], message: `"${String(g.kind)}" must be a Kubernetes kind such as Namespace` });
    if (g.group !== undefined && typeof g.group !== "string") issues.push({ path: [...at, "group"], message: 'must be an API group ("" for core)' });
    const n = g.names;
    if (!(n === "owned" || n === "any" || (Array.isArray(n) && n.length > 0 && n.every((x) => typeof x === "string" && x.length > 0)))) {
      issues.push({ path: [...at, "names"], message: 'must be "owned" (a namespace name of the team), "any", or a non-empty list of names' });
    }
  });
  return issues;
}

/**
 * The account a tenant's requests are applied as by Flux on cluster destinations: the team's own
 * ServiceAccount, or the platform's for unrestricted (`"*"`) teams.
 */
export function fluxServiceAccount(tenant: Tenant): string {
  return tenant.namespaces === "*" ? PLATFORM_RECONCILER : teamServiceAccountName(tenant.team);
}
