/**
 * Flux multi-tenancy lockdown (pure builders): kustomize-controller refuses cross-namespace references and
 * impersonates a locked-down default account; each team's requests are applied as the team's own
 * ServiceAccount in the Flux namespace, whose rights cover only the team's namespaces: full rights inside
 * each of them (a RoleBinding to `cluster-admin`, as Flux's tenant onboarding does) and, cluster-wide,
 * nothing but its own Namespace objects by name. The platform creates the team namespaces (retained when
 * a team is removed), so those RoleBindings have somewhere to live before any request is applied.
 */
import { PLATFORM_RECONCILER, teamServiceAccountName } from "../state-store/flux-index";
import { FLUX_NAMESPACE, type K8sObject } from "./sync";

/** A team as the lockdown sees it (`plinth:teams`): `"*"` teams are applied as the platform. */
export interface FluxTeam {
  name: string;
  namespaces: readonly string[];
}

/** What a Kustomization without `serviceAccountName` runs as: `default` of its namespace, bound to nothing. */
export const LOCKED_DOWN_ACCOUNT = "default";

/** kustomize-controller's lockdown flags (Flux's multi-tenancy guide). */
export const KUSTOMIZE_LOCKDOWN_ARGS: readonly string[] = [
  "--no-cross-namespace-refs=true",
  `--default-service-account=${LOCKED_DOWN_ACCOUNT}`,
  "--no-remote-bases=true",
];

const LABELS = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/tenancy": "flux" };
const RBAC = "rbac.authorization.k8s.io";

/** Teams with a namespace list (an unrestricted `"*"` team needs no account of its own). */
export function restrictedTeams(teams: readonly { name: string; namespaces: readonly string[] }[]): FluxTeam[] {
  return teams.filter((t) => !t.namespaces.includes("*"));
}

/** The platform's own account applies the destination's dependencies and its per-request index. */
export function platformAccount(): string {
  return PLATFORM_RECONCILER;
}

/**
 * Every object of the lockdown for `teams`, in apply order: the team namespaces (each once), then per team
 * its ServiceAccount, a RoleBinding to `cluster-admin` in each of its namespaces, and a ClusterRole +
 * ClusterRoleBinding for its Namespace objects by name (get/patch/update/delete: a TeamNamespace's
 * Namespace is applied and pruned as the team).
 */
export function teamReconcilerObjects(teams: readonly FluxTeam[], namespace = FLUX_NAMESPACE): K8sObject[] {
  const namespaces = [...new Set(teams.flatMap((t) => t.namespaces))].sort();
  const out: K8sObject[] = namespaces.map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n, labels: LABELS } }));
  for (const t of teams) {
    const sa = teamServiceAccountName(t.name);
    const subject = { kind: "ServiceAccount", name: sa, namespace };
    out.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace, labels: { ...LABELS, "plinth.dev/team": t.name } } });
    for (const n of [...new Set(t.namespaces)].sort()) {
      out.push({
        apiVersion: `${RBAC}/v1`,
        kind: "RoleBinding",
        metadata: { name: sa, namespace: n, labels: { ...LABELS, "plinth.dev/team": t.name } },
        roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "cluster-admin" },
        subjects: [subject],
      });
    }
    out.push({
      apiVersion: `${RBAC}/v1`,
      kind: "ClusterRole",
      metadata: { name: `${sa}-namespaces`, labels: { ...LABELS, "plinth.dev/team": t.name } },
      rules: [{ apiGroups: [""], resources: ["namespaces"], resourceNames: [...new Set(t.namespaces)].sort(), verbs: ["get", "patch", "update", "delete"] }],
    });
    out.push({
      apiVersion: `${RBAC}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name: `${sa}-namespaces`, labels: { ...LABELS, "plinth.dev/team": t.name } },
      roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: `${sa}-namespaces` },
      subjects: [subject],
    });
  }
  return out;
}
