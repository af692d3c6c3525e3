import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { controllerDeployment } from "../../../components/flux/controllers";
import { kustomizations } from "../../../components/flux/sync";
import { KUSTOMIZE_LOCKDOWN_ARGS, restrictedTeams, teamReconcilerObjects } from "../../../components/flux/tenancy";
import { fluxServiceAccount } from "../../../components/promise/tenancy";

describe("Flux multi-tenancy lockdown", () => {
  test("each team: a ServiceAccount in flux-system, cluster-admin only inside its namespaces, its Namespace objects by name", () => {
    const objs = teamReconcilerObjects(restrictedTeams([
      { name: "dev", namespaces: ["default", "team-a"] },
      { name: "b", namespaces: ["team-b", "default"] },
      { name: "admin", namespaces: ["*"] },
    ]));
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`), [
      "Namespace/default", "Namespace/team-a", "Namespace/team-b",
      "ServiceAccount/flux-system/plinth-team-dev",
      "RoleBinding/default/plinth-team-dev", "RoleBinding/team-a/plinth-team-dev",
      "ClusterRole/plinth-team-dev-namespaces", "ClusterRoleBinding/plinth-team-dev-namespaces",
      "ServiceAccount/flux-system/plinth-team-b",
      "RoleBinding/default/plinth-team-b", "RoleBinding/team-b/plinth-team-b",
      "ClusterRole/plinth-team-b-namespaces", "ClusterRoleBinding/plinth-team-b-namespaces",
    ]);
    const rb = objs.find((o) => o.kind === "RoleBinding")!;
    assert.deepEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" });
    assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: "plinth-team-dev", namespace: "flux-system" }]);
    const role = objs.find((o) => o.metadata.name === "plinth-team-dev-namespaces" && o.kind === "ClusterRole")!;
    assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["namespaces"], resourceNames: ["default", "team-a"], verbs: ["get", "patch", "update", "delete"] }]);
    assert.ok(!objs.some((o) => o.kind === "ClusterRoleBinding" && (o.roleRef as { name: string }).name === "cluster-admin"), "nothing cluster-wide");
  });

  test("a tenant's requests run as its account; unrestricted teams as the platform's", () => {
    assert.equal(fluxServiceAccount({ team: "dev", namespaces: ["default"] }), "plinth-team-dev");
    assert.equal(fluxServiceAccount({ team: "admin", namespaces: "*" }), "kustomize-controller");
  });

  test("kustomize-controller runs locked down; the destination's own Kustomizations name the platform's account", () => {
    assert.deepEqual([...KUSTOMIZE_LOCKDOWN_ARGS], ["--no-cross-namespace-refs=true", "--default-service-account=default", "--no-remote-bases=true"]);
    const args = ((controllerDeployment("kustomize-controller").spec as any).template.spec.containers[0].args) as string[];
    for (const a of KUSTOMIZE_LOCKDOWN_ARGS) assert.ok(args.includes(a), a);
    const spec = { destination: "dev", destinationPath: "dev", url: "http://git.example.com/s.git", branch: "main", perRequest: true };
    for (const k of kustomizations(spec)) assert.equal((k.spec as { serviceAccountName: string }).serviceAccountName, "kustomize-controller");
  });
});
