/**
 * `namespace`: a team namespace with a resource quota and the team's admin binding.
 * Dependencies: the ClusterRole teams are bound to in their namespace.
 */
import { z } from "zod";
import { definePromise, promiseLabels, statusOutputs, type K8sObject } from "../../components/promise";
import { isDns1123Label } from "../../components/vocabulary/names";

const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const quantity = (what: string) => z.string().regex(QUANTITY, `must be a Kubernetes quantity for ${what}, e.g. 500m, 2, 4Gi`);
const quota = z.object({ cpu: quantity("CPU"), memory: quantity("memory") });

export const namespaceSpec = z.object({
  /** Team owning the namespace: its group gets the admin role. */
  team: z.string().refine(isDns1123Label, "must be a DNS-1123 label (lowercase alphanumerics and '-')"),
  /** Requests and limits of the whole namespace; the organisation default when omitted. */
  quota: quota.optional(),
});

export const namespaceConfig = z.object({
  /** Prefix of the identity-provider group of a team: group = prefix + team. */
  groupPrefix: z.string().default("team:"),
  defaultQuota: quota.default({ cpu: "2", memory: "4Gi" }),
  /** Name of the ClusterRole installed as a Dependency and bound in every team namespace. */
  adminRole: z.string().refine(isDns1123Label, "must be a DNS-1123 label").default("plinth-team-admin"),
});

const LABELS = promiseLabels("namespace");

/** What a request's workflow writes to its status; `outputs` picks from it by name. */
export interface NamespaceStatus extends Record<string, unknown> {
  namespace: string;
  team: string;
  quota: { cpu: string; memory: string };
}

export const namespacePromise = definePromise({
  name: "namespace",
  version: "0.1.0",
  description: "A namespace per team, with a resource quota and the team's admin role",
  api: { group: "plinth.dev", version: "v1alpha1", kind: "TeamNamespace", plural: "teamnamespaces", spec: namespaceSpec },
  config: namespaceConfig,
  // A team may create the Namespace only under a name that is one of its own namespaces.
  clusterScoped: [{ kind: "Namespace", names: "owned" }],
  dependencies: ({ config }): K8sObject[] => [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: config.adminRole, labels: LABELS },
      rules: [
        { apiGroups: ["", "apps", "batch", "networking.k8s.io", "autoscaling"], resources: ["*"], verbs: ["*"] },
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"], verbs: ["get", "list", "watch"] },
      ],
    },
  ],
  configure: ({ object, config }) => {
    const ns = object.metadata.name;
    const { team } = object.spec;
    const q = object.spec.quota ?? config.defaultQuota;
    const labels = { ...LABELS, "plinth.dev/team": team };
    return {
      files: {
        "namespace.yaml": { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } },
        "resourcequota.yaml": {
          apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "team-quota", namespace: ns, labels },
          spec: { hard: { "requests.cpu": q.cpu, "requests.memory": q.memory, "limits.cpu": q.cpu, "limits.memory": q.memory } },
        },
        "rolebinding.yaml": {
          apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "team-admin", namespace: ns, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: config.adminRole },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `${config.groupPrefix}${team}` }],
        },
      },
      status: { namespace: ns, team, quota: q } satisfies NamespaceStatus,
    };
  },
  outputs: statusOutputs<NamespaceStatus>()("namespace", "quota"),
});
