import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { checkRequest, definePromise, planRequest } from "../../../components/promise";
import { ForbiddenPlacementError, clusterScopedIssues, tenancyViolations, type Tenant } from "../../../components/promise/tenancy";
import { namespacePromise } from "../../../promises/namespace";
import { parsePlatformConfig } from "../../../stacks/config";
import { TeamDirectory } from "../../../service/core/auth";

const dev: Tenant = { team: "dev", namespaces: ["default", "team-a"] };
const y = (...objs: unknown[]) => objs.map((o) => stringify(o)).join("---\n");
const obj = (apiVersion: string, kind: string, name: string, namespace?: string) => ({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } });
const check = (files: Record<string, string>, tenant: Tenant = dev, clusterScoped?: Parameters<typeof tenancyViolations>[0]["clusterScoped"]) =>
  tenancyViolations({ tenant, clusterScoped, pipelines: [{ pipeline: "configure", files }] });

describe("tenancy of rendered objects", () => {
  test("namespaced objects in the team's namespaces pass", () => {
    assert.deepEqual(check({ "a.yaml": y(obj("v1", "ConfigMap", "x", "team-a"), obj("apps/v1", "Deployment", "web", "default")) }), []);
  });

  test("another team's namespace, kube-system and flux-system are refused, naming object, file and rule", () => {
    const v = check({ "a.yaml": y(obj("v1", "ConfigMap", "x", "team-b")), "sub/b.yaml": y(obj("v1", "Secret", "s", "kube-system"), obj("apps/v1", "Deployment", "d", "flux-system")) });
    assert.deepEqual(v.map((x) => [x.kind, x.namespace, x.name, x.file]), [
      ["ConfigMap", "team-b", "x", "configure/a.yaml"],
      ["Secret", "kube-system", "s", "configure/sub/b.yaml"],
      ["Deployment", "flux-system", "d", "configure/sub/b.yaml"],
    ]);
    assert.match(v[0].rule, /namespace "team-b" is not one of team "dev"'s namespaces \("default", "team-a"\)/);
  });

  test("a namespaced object without a namespace is refused (never defaulted: where it lands would depend on the applier)", () => {
    const [v] = check({ "a.yaml": y(obj("v1", "ConfigMap", "x")) });
    assert.equal(v.kind, "ConfigMap");
    assert.match(v.rule, /must set metadata\.namespace/);
  });

  test("unknown kinds are namespaced; cluster-scoped built-ins need a declaration", () => {
    assert.equal(check({ "a.yaml": y(obj("example.com/v1", "Widget", "w")) }).length, 1, "unknown kind without namespace");
    assert.deepEqual(check({ "a.yaml": y(obj("example.com/v1", "Widget", "w", "team-a")) }), []);
    const v = check({ "a.yaml": y(obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "pwn"), obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "x.example.com"), obj("v1", "Namespace", "team-a")) });
    assert.deepEqual(v.map((x) => x.kind), ["ClusterRoleBinding", "CustomResourceDefinition", "Namespace"]);
    assert.match(v[0].rule, /cluster-scoped and the Promise does not declare it/);
  });

  test('clusterScoped names: "owned" allows only the team\'s namespace names; a list, only those; "any", all', () => {
    const owned = [{ kind: "Namespace", names: "owned" as const }];
    assert.deepEqual(check({ "ns.yaml": y(obj("v1", "Namespace", "team-a")) }, dev, owned), []);
    for (const name of ["kube-system", "flux-system", "team-b"]) {
      const [v] = check({ "ns.yaml": y(obj("v1", "Namespace", name)) }, dev, owned);
      assert.equal(v?.name, name);
      assert.match(v.rule, /only with a name of team "dev"'s namespaces/);
    }
    assert.deepEqual(check({ "c.yaml": y(obj("cert-manager.io/v1", "ClusterIssuer", "letsencrypt")) }, dev, [{ kind: "ClusterIssuer", group: "cert-manager.io", names: ["letsencrypt"] }]), []);
    assert.equal(check({ "c.yaml": y(obj("cert-manager.io/v1", "ClusterIssuer", "other")) }, dev, [{ kind: "ClusterIssuer", names: ["letsencrypt"] }]).length, 1);
    assert.deepEqual(check({ "c.yaml": y(obj("rbac.authorization.k8s.io/v1", "ClusterRole", "r")) }, dev, [{ kind: "ClusterRole", names: "any" }]), []);
    assert.equal(check({ "c.yaml": y(obj("rbac.authorization.k8s.io/v1", "ClusterRole", "r")) }, dev, [{ kind: "ClusterRole", group: "example.com", names: "any" }]).length, 1, "group must match");
  });

  test("List items, a workflow's own kustomization and unreadable YAML are checked too", () => {
    assert.equal(check({ "l.yaml": y({ apiVersion: "v1", kind: "List", items: [obj("v1", "ConfigMap", "x", "kube-system")] }) })[0]?.namespace, "kube-system");
    const k = check({
      "app.yaml": y(obj("v1", "ConfigMap", "x", "team-a")),
      "kustomization.yaml": y({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", namespace: "kube-system", resources: ["app.yaml", "../../other-team", "https://example.com/x.yaml", "github.com/org/repo"] }),
    });
    assert.deepEqual(k.map((x) => x.rule.slice(0, 28)), [
      'its namespace "kube-system" ',
      'resources entry "../../other',
      'resources entry "https://exa',
      'resources entry "github.com/',
    ]);
    assert.match(check({ "bad.yaml": "a: [1, 2\n" })[0].rule, /not valid YAML/);
    assert.deepEqual(check({ "README.md": "kind: Namespace\nmetadata: {name: kube-system}\n" }), [], "only YAML is applied");
  });

  test('a "*" team (the platform, an admin team) is unrestricted', () => {
    assert.deepEqual(check({ "a.yaml": y(obj("v1", "Namespace", "kube-system"), obj("v1", "ConfigMap", "x")) }, { team: "platform", namespaces: "*" }), []);
  });

  test("the clusterScoped declaration is validated with its field paths", () => {
    assert.deepEqual(clusterScopedIssues([{ kind: "Namespace", names: "owned" }]), []);
    assert.deepEqual(clusterScopedIssues([{ kind: "1x", names: "mine" }]).map((i) => i.path.join(".")), ["clusterScoped.0.kind", "clusterScoped.0.names"]);
    assert.throws(() => definePromise({ ...namespacePromise, clusterScoped: [{ kind: "Namespace", names: [] }] } as never), /clusterScoped\.0\.names/);
  });
});

describe("planRequest with a tenant", () => {
  const destinations = [{ name: "dev", labels: {}, path: "dev", strictMatchLabels: false, stateStore: "default" }];
  const plan = (name: string, tenant: Tenant) => {
    const input = { promise: namespacePromise, request: { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name, namespace: "default" }, spec: { team: "a" } }, destinations, store: "default", tenant };
    return planRequest(name, input, checkRequest(input));
  };

  test("TeamNamespace: a namespace the team owns is planned", async () => {
    const p = await plan("team-a", dev);
    assert.equal(p.placements.length, 1);
  });

  for (const name of ["kube-system", "flux-system", "team-b"]) {
    test(`TeamNamespace "${name}" is refused with ForbiddenPlacement before any placement`, async () => {
      await assert.rejects(plan(name, dev), (err: unknown) => {
        assert.ok(err instanceof ForbiddenPlacementError);
        assert.equal(err.code, "ForbiddenPlacement");
        assert.match(err.message, new RegExp(`^ForbiddenPlacement: team "dev" may not place Namespace ${name} \\(configure/namespace\\.yaml\\)`));
        assert.deepEqual(err.violations.map((v) => v.kind), ["Namespace", "ResourceQuota", "RoleBinding"]);
        return true;
      });
    });
  }
});

describe("teams config and tenants", () => {
  const cfg = (teams: unknown[]) => parsePlatformConfig({ stateStores: [{ name: "default", embedded: true }], teams }, { promises: [] });

  test("flux-system, kube-* and the team name platform are refused naming the key", () => {
    assert.throws(() => cfg([{ name: "dev", namespaces: ["default", "flux-system"] }]), /plinth:teams\[0\]\.namespaces\[1\]: flux-system and kube-\* are the platform's namespaces/);
    assert.throws(() => cfg([{ name: "dev", namespaces: ["kube-system"] }]), /plinth:teams\[0\]\.namespaces\[0\]/);
    assert.throws(() => cfg([{ name: "platform", namespaces: ["default"] }]), /plinth:teams\[0\]\.name: "platform" is reserved/);
    assert.equal(cfg([{ name: "dev", namespaces: ["default", "team-a"] }]).teams.length, 1);
  });

  test("a request's tenant: its team's namespaces (with or without a token); the platform unrestricted; an unknown team owns nothing", () => {
    const d = new TeamDirectory([{ name: "dev", namespaces: ["default"], token: "t".repeat(20) }, { name: "ops", namespaces: ["*"] }, { name: "quiet", namespaces: ["q"] }]);
    assert.deepEqual(d.tenant("dev"), { team: "dev", namespaces: ["default"] });
    assert.deepEqual(d.tenant("quiet"), { team: "quiet", namespaces: ["q"] });
    assert.deepEqual(d.tenant("ops"), { team: "ops", namespaces: "*" });
    assert.deepEqual(d.tenant("platform"), { team: "platform", namespaces: "*" });
    assert.deepEqual(d.tenant("gone"), { team: "gone", namespaces: [] });
  });
});
