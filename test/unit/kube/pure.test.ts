import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { jsonSchemaOf } from "../../../components/promise/schema";
import { redisPromise } from "../../../promises/redis";
import { jenkinsPromise } from "../../../promises/jenkins";
import { aggregatedDiscovery, apiGroupList, apiResourceList, wantsAggregated } from "../../../service/kube/discovery";
import { compareVersions, kubeKinds, promiseKind } from "../../../service/kube/kinds";
import { fieldPaths, fromFieldsV1, recordUpdate, serverSideApply, toFieldsV1 } from "../../../service/kube/managed-fields";
import { parseFieldSelector, parseLabelSelector } from "../../../service/kube/objects";
import { definitionName, openApiV2, openApiV3, toOpenApiSchema } from "../../../service/kube/openapi";
import { jsonPatch, mergePatch, strategicAsMerge } from "../../../service/kube/patch";
import { KubeError, toKubeStatus } from "../../../service/kube/status";
import { humanDuration, toTable, wantsTable } from "../../../service/kube/table";
import { ValidationError, ForbiddenError } from "../../../components/errors";
import type { RegistryEntry } from "../../../components/promise/types";
import { X509Certificate } from "node:crypto";
import YAML from "yaml";
import { defaultNamespace, kubeconfigFor, tlsUrl } from "../../../service/kube/kubeconfig";
import { selfSignedCert } from "../../../service/http/tls-cert";

const entry = (p: typeof redisPromise | typeof jenkinsPromise): RegistryEntry => ({
  name: p.name,
  version: p.version,
  apiVersion: `${p.api.group}/${p.api.version}`,
  kind: p.api.kind,
  plural: p.api.plural!,
  schema: jsonSchemaOf(p),
  destinations: ["dev"],
});
const service = { promises: () => [entry(redisPromise), entry(jenkinsPromise)] };
const kinds = kubeKinds(service);
const redis = promiseKind(entry(redisPromise));

describe("kube: discovery", () => {
  test("groups, preferred versions and resources with the status subresource", () => {
    const groups = (apiGroupList(kinds) as { groups: { name: string; preferredVersion: { version: string } }[] }).groups;
    assert.deepEqual(groups.map((g) => g.name).sort(), ["marketplace.kratix.io", "platform.plinth.dev"]);
    const list = apiResourceList(kinds, "marketplace.kratix.io", "v1alpha1") as { resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] };
    assert.deepEqual(list.resources.map((r) => r.name), ["redis", "redis/status", "jenkins", "jenkins/status"]);
    assert.ok(list.resources[0].namespaced && list.resources[0].verbs.includes("patch") && list.resources[0].verbs.includes("watch"));
    const reg = apiResourceList(kinds, "platform.plinth.dev", "v1alpha1") as { resources: { name: string; namespaced: boolean; verbs: string[] }[] };
    assert.deepEqual(reg.resources.map((r) => [r.name, r.namespaced, r.verbs.join(",")]), [["promises", false, "get,list"], ["destinations", false, "get,list"], ["statestores", false, "get,list"]]);
    assert.equal(apiResourceList(kinds, "nope.io", "v1"), undefined);
  });

  test("aggregated discovery is answered only when asked for, in the version asked", () => {
    const accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    const ct = wantsAggregated(accept)!;
    assert.equal(ct, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    assert.equal(wantsAggregated("application/json, */*"), undefined);
    const doc = aggregatedDiscovery(kinds, ct, false) as { apiVersion: string; items: { metadata: { name: string }; versions: { resources: { resource: string; scope: string }[] }[] }[] };
    assert.equal(doc.apiVersion, "apidiscovery.k8s.io/v2");
    const mk = doc.items.find((i) => i.metadata.name === "marketplace.kratix.io")!;
    assert.deepEqual(mk.versions[0].resources.map((r) => `${r.resource}:${r.scope}`), ["redis:Namespaced", "jenkins:Namespaced"]);
  });

  test("version priority", () => {
    assert.deepEqual(["v1alpha1", "v2", "v1", "v1beta1"].sort((a, b) => compareVersions(b, a)), ["v2", "v1", "v1beta1", "v1alpha1"]);
  });
});

describe("kube: openapi from the zod schema", () => {
  test("v3 per group-version: GVK extension, spec from the Promise's schema, metadata ref resolvable", () => {
    const doc = openApiV3(kinds, "marketplace.kratix.io", "v1alpha1") as { components: { schemas: Record<string, any> }; paths: Record<string, any> };
    const s = doc.components.schemas[definitionName(redis)];
    assert.equal(definitionName(redis), "io.kratix.marketplace.v1alpha1.redis");
    assert.deepEqual(s["x-kubernetes-group-version-kind"], [{ group: "marketplace.kratix.io", version: "v1alpha1", kind: "redis" }]);
    assert.deepEqual(s.properties.spec.properties.size.enum, ["small", "large"]);
    assert.equal(s.properties.spec.properties.size.default, "small");
    assert.ok(s.description.includes("redis"));
    const ref = s.properties.metadata.$ref.replace("#/components/schemas/", "");
    assert.ok(doc.components.schemas[ref].properties.name);
    const patch = doc.paths["/apis/marketplace.kratix.io/v1alpha1/namespaces/{namespace}/redis/{name}"].patch;
    assert.ok(patch.requestBody.content["application/apply-patch+yaml"]);
    assert.equal(patch.requestBody.content["application/strategic-merge-patch+json"], undefined, "custom resources take no strategic merge patch");
  });

  test("JSON Schema 2020-12 → OpenAPI: const, nullable, exclusive bounds, no $schema", () => {
    const out = toOpenApiSchema({ $schema: "x", type: "object", properties: { a: { const: "x" }, b: { type: ["string", "null"] }, c: { type: "number", exclusiveMinimum: 0 } } });
    assert.deepEqual(out, { type: "object", properties: { a: { enum: ["x"] }, b: { type: "string", nullable: true }, c: { type: "number", minimum: 0, exclusiveMinimum: true } } });
    const v2 = openApiV2(kinds) as { swagger: string; definitions: Record<string, any> };
    assert.equal(v2.swagger, "2.0");
    assert.ok(v2.definitions["io.kratix.marketplace.v1alpha1.jenkins"].properties.spec.properties.plugins);
  });
});

describe("kube: patches", () => {
  test("merge patch (RFC 7386)", () => {
    assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { b: { c: null, e: 4 }, l: [2], f: "x" }), { a: 1, b: { d: 3, e: 4 }, l: [2], f: "x" });
    assert.deepEqual(strategicAsMerge({ spec: { $retainKeys: ["a"], a: 1, list: [{ $patch: "replace" }] } }), { spec: { a: 1, list: [{}] } });
  });

  test("JSON patch (RFC 6902): add, replace, remove, move, copy, test; a failed op changes nothing", () => {
    const doc = { spec: { size: "small", plugins: [{ name: "a" }] } };
    const out = jsonPatch(doc, [
      { op: "replace", path: "/spec/size", value: "large" },
      { op: "add", path: "/spec/plugins/-", value: { name: "b" } },
      { op: "copy", from: "/spec/size", path: "/spec/copy" },
      { op: "move", from: "/spec/copy", path: "/spec/moved" },
      { op: "remove", path: "/spec/plugins/0" },
      { op: "test", path: "/spec/moved", value: "large" },
    ]);
    assert.deepEqual(out, { spec: { size: "large", plugins: [{ name: "b" }], moved: "large" } });
    assert.deepEqual(doc.spec.size, "small", "the target is not changed");
    assert.throws(() => jsonPatch(doc, [{ op: "test", path: "/spec/size", value: "large" }]), (e: KubeError) => e.status === 422);
    assert.throws(() => jsonPatch(doc, [{ op: "remove", path: "/spec/nope" }]), (e: KubeError) => e.status === 422);
  });
});

describe("kube: server-side apply and field owners", () => {
  test("fieldsV1 round trip", () => {
    const paths = fieldPaths({ metadata: { labels: { app: "x" } }, spec: { size: "small", env: { A: "1" }, list: [1] } });
    assert.deepEqual(toFieldsV1(paths), { "f:metadata": { "f:labels": { "f:app": {} } }, "f:spec": { "f:size": {}, "f:env": { "f:A": {} }, "f:list": {} } });
    assert.deepEqual(fromFieldsV1(toFieldsV1(paths)), paths);
  });

  test("apply sets, removes what it no longer applies, conflicts with another manager's value unless forced", () => {
    const first = serverSideApply({ current: undefined, managedFields: [], applied: { spec: { size: "small", extra: "x" } }, manager: "a", apiVersion: "g/v1", force: false, time: "t" });
    assert.deepEqual(first.object.spec, { size: "small", extra: "x" });
    const second = serverSideApply({ current: first.object, managedFields: first.managedFields, applied: { spec: { size: "small" } }, manager: "a", apiVersion: "g/v1", force: false, time: "t" });
    assert.deepEqual(second.object.spec, { size: "small" }, "extra is dropped: only a owned it");
    // Same value from another manager: shared, no conflict.
    const shared = serverSideApply({ current: second.object, managedFields: second.managedFields, applied: { spec: { size: "small" } }, manager: "b", apiVersion: "g/v1", force: false, time: "t" });
    assert.equal(shared.managedFields.length, 2);
    assert.throws(
      () => serverSideApply({ current: second.object, managedFields: second.managedFields, applied: { spec: { size: "large" } }, manager: "b", apiVersion: "g/v1", force: false }),
      (e: KubeError) => e.status === 409 && /conflict with "a" using g\/v1: \.spec\.size/.test(e.message) && e.kubeStatus.details?.causes?.[0].field === ".spec.size",
    );
    const forced = serverSideApply({ current: second.object, managedFields: second.managedFields, applied: { spec: { size: "large" } }, manager: "b", apiVersion: "g/v1", force: true, time: "t" });
    assert.deepEqual(forced.object.spec, { size: "large" });
    assert.deepEqual(forced.managedFields.map((e) => e.manager), ["b"], "a lost its only field");
  });

  test("an update owns what it changed; others lose it", () => {
    const a = recordUpdate(undefined, { spec: { size: "small", n: 1 } }, [], "kubectl-create", "g/v1", "t");
    const b = recordUpdate({ spec: { size: "small", n: 1 } }, { spec: { size: "large", n: 1 } }, a, "kubectl-patch", "g/v1", "t");
    assert.deepEqual(b.map((e) => [e.manager, fromFieldsV1(e.fieldsV1).map((p) => p.join("."))]), [["kubectl-create", ["spec.n"]], ["kubectl-patch", ["spec.size"]]]);
  });
});

describe("kube: selectors, table, status", () => {
  test("label and field selectors", () => {
    const sel = parseLabelSelector("app=web,tier in (a,b),!legacy,env!=prod");
    assert.equal(sel({ app: "web", tier: "a", env: "dev" }), true);
    assert.equal(sel({ app: "web", tier: "c", env: "dev" }), false);
    assert.equal(sel({ app: "web", tier: "a", legacy: "1" }), false);
    const f = parseFieldSelector("metadata.name=example");
    assert.equal(f({ apiVersion: "", kind: "", metadata: { name: "example" } }), true);
    assert.throws(() => parseFieldSelector("spec.size=small"), (e: KubeError) => e.status === 400);
  });

  test("table: columns and cells; ages like kubectl", () => {
    assert.ok(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"));
    const now = Date.parse("2026-01-01T01:00:00Z");
    const t = toTable(redis, [{ apiVersion: "x", kind: "redis", metadata: { name: "example", creationTimestamp: "2026-01-01T00:55:00Z" }, status: { conditions: [{ type: "Ready", status: "True" }], destinations: ["dev"] } }], { now }) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ["Name", "Ready", "Applied", "Destinations", "Age", "Message"]);
    assert.deepEqual(t.rows[0].cells.slice(0, 5), ["example", "True", "", "dev", "5m"]);
    assert.deepEqual([59, 150, 3 * 3600, 30 * 3600, 3 * 86400 + 3600].map((s) => humanDuration(s * 1000)), ["59s", "2m30s", "3h", "30h", "3d1h"]);
  });

  test("service errors worded as Kubernetes does", () => {
    const invalid = toKubeStatus(new ValidationError("bad", [{ path: ["spec", "size"], message: 'must be "small" or "large"' }]), { verb: "create", kind: redis, name: "example", namespace: "default", user: "dev" });
    assert.equal(invalid.code, 422);
    assert.equal(invalid.reason, "Invalid");
    assert.equal(invalid.message, 'redis.marketplace.kratix.io "example" is invalid: spec.size: Invalid value: must be "small" or "large"');
    assert.deepEqual(invalid.details?.causes, [{ type: "FieldValueInvalid", message: 'Invalid value: must be "small" or "large"', field: "spec.size" }]);
    const forbidden = toKubeStatus(new ForbiddenError("no"), { verb: "list", kind: redis, namespace: "default", user: "team-b" });
    assert.equal(forbidden.message, 'redis.marketplace.kratix.io is forbidden: User "team-b" cannot list resource "redis" in API group "marketplace.kratix.io" in the namespace "default"');
    assert.equal(toKubeStatus(new Error("secret detail")).message.includes("secret"), false);
  });
});

describe("kube: kubeconfig and the serving certificate", () => {
  test("a kubeconfig for a team: TLS server, pinned CA, token, default namespace", () => {
    const { cert } = selfSignedCert();
    const x = new X509Certificate(cert);
    assert.equal(x.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(x.checkHost("localhost"), "localhost");
    assert.ok(x.verify(x.publicKey), "self-signed");
    assert.ok(x.ca);
    const kc = YAML.parse(kubeconfigFor({ server: tlsUrl("http://127.0.0.1:8080"), caPem: cert, token: "t0k", team: "dev", namespace: defaultNamespace(["team-a", "b"]) }));
    assert.equal(kc.clusters[0].cluster.server, "https://127.0.0.1:8080");
    assert.equal(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), cert);
    assert.equal(kc.users[0].user.token, "t0k");
    assert.equal(kc.contexts[0].context.namespace, "team-a");
    assert.equal(kc["current-context"], kc.contexts[0].name);
    assert.equal(defaultNamespace("*"), "default");
  });
});
