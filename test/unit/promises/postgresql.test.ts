import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { postgresqlPromise } from "../../../promises/postgresql";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../promises/testing";
import { validatePromiseDefinition } from "../../../components/promise";
import { validateCustomResource } from "../../../components/flux/crd-validate";
import { fluxIssues, kratixFixture, kustomizeBuild, operatorCrd } from "./helpers";

const req = (spec: unknown, name = "orders") => ({ apiVersion: "marketplace.kratix.io/v1alpha1", kind: "postgresql", metadata: { name, namespace: "shop" }, spec });

/** What the Zalando operator's CRD (acid.zalan.do/v1 postgresql) requires: numberOfInstances, teamId, postgresql.version, volume.size. */
const ZALANDO_CRD = operatorCrd("acid.zalan.do", "v1", "postgresql", {
  type: "object",
  required: ["kind", "apiVersion", "spec"],
  "x-kubernetes-preserve-unknown-fields": true,
  properties: {
    spec: {
      type: "object",
      required: ["numberOfInstances", "teamId", "postgresql", "volume"],
      "x-kubernetes-preserve-unknown-fields": true,
      properties: {
        numberOfInstances: { type: "integer", minimum: 0 },
        teamId: { type: "string" },
        postgresql: { type: "object", required: ["version"], properties: { version: { type: "string", enum: ["13", "14", "15", "16", "17"] }, parameters: { type: "object" } } },
        volume: { type: "object", required: ["size"], properties: { size: { type: "string", pattern: "^(\\d+(e\\d+)?|\\d+(\\.\\d+)?(e\\d+)?[EPTGMK]i?)$" }, storageClass: { type: "string" } } },
        users: { type: "object", additionalProperties: { type: "array", items: { type: "string", enum: ["superuser", "createdb", "login", "nologin", "createrole", "inherit", "replication", "bypassrls"] } } },
        databases: { type: "object", additionalProperties: { type: "string" } },
        enableLogicalBackup: { type: "boolean" },
      },
    },
  },
});

describe("postgresql Promise (Kratix Marketplace API)", () => {
  test("definition is valid; API is marketplace.kratix.io/v1alpha1 postgresql with Kratix defaults", () => {
    assert.deepEqual(validatePromiseDefinition(postgresqlPromise), []);
    assert.equal(postgresqlPromise.api.kind, "postgresql");
    assert.deepEqual(expectValid(postgresqlPromise, req({})).spec, { env: "dev", teamId: "acid", dbName: "postgres" });
  });

  test("the Kratix example request is accepted unchanged and renders the Zalando cluster with team and database", async () => {
    const { object } = kratixFixture("postgresql");
    assert.deepEqual(expectValid(postgresqlPromise, object).spec, { env: "prod", teamId: "acido", dbName: "prod" });
    const r = await renderRequest(postgresqlPromise, object);
    for (const p of Object.keys(r.files.dev)) assert.match(p, /^resources\/default\/postgresql\/prod\/configure\/[0-9a-f]{5}\/(postgres-instance|kustomization)\.yaml$/);
    const [cr] = r.objects.dev;
    assert.equal(cr.apiVersion, "acid.zalan.do/v1");
    assert.equal(cr.kind, "postgresql");
    assert.equal(cr.metadata.name, "acido-prod-postgresql");
    assert.deepEqual(validateCustomResource([ZALANDO_CRD], cr), []);
    assert.deepEqual(cr.spec, {
      teamId: "acido",
      numberOfInstances: 3,
      volume: { size: "10Gi" },
      postgresql: { version: "16" },
      users: { acido: ["superuser", "createdb"] },
      databases: { prod: "acido" },
      enableLogicalBackup: false,
    });
    assert.deepEqual(r.outputs.connectionDetails, {
      host: "acido-prod-postgresql.default.svc.cluster.local",
      database: "prod",
      credentialsSecret: "default/acido.acido-prod-postgresql.credentials.postgresql.acid.zalan.do",
    });
  });

  test("organisation config: version, sizes, storage class and prod backups", async () => {
    const r = await renderRequest(postgresqlPromise, req({ env: "dev", teamId: "payments", dbName: "orders_db" }), {
      config: { postgresVersion: "17", sizes: { dev: { instances: 2, volume: "5Gi" } }, storageClass: "fast", prodLogicalBackup: true },
    });
    const cr = r.objects.dev[0];
    assert.deepEqual(validateCustomResource([ZALANDO_CRD], cr), []);
    const spec = cr.spec as Record<string, unknown>;
    assert.deepEqual([spec.numberOfInstances, spec.volume, spec.postgresql, spec.enableLogicalBackup], [2, { size: "5Gi", storageClass: "fast" }, { version: "17" }, false]);
    assert.equal(cr.metadata.namespace, "shop");
    const prod = await renderRequest(postgresqlPromise, req({ env: "prod" }), { config: { prodLogicalBackup: true } });
    assert.equal((prod.objects.dev[0].spec as { enableLogicalBackup: boolean }).enableLogicalBackup, true);
  });

  test("bad input is refused with field paths; bad config too", async () => {
    expectInvalid(postgresqlPromise, req({ env: "qa" }), ["spec.env"]);
    expectInvalid(postgresqlPromise, req({ teamId: "Team_A", dbName: "1orders" }), ["spec.teamId", "spec.dbName"]);
    expectInvalid(postgresqlPromise, req({ dbName: "drop table" }), ["spec.dbName"]);
    await assert.rejects(renderRequest(postgresqlPromise, req({}), { config: { sizes: { dev: { instances: -1, volume: "lots" } }, postgresVersion: "9" } }), (e: Error & { issues?: { path: unknown[] }[] }) => {
      const got = (e.issues ?? []).map((i) => i.path.join("."));
      for (const p of ["config.sizes.dev.instances", "config.sizes.dev.volume", "config.postgresVersion"]) assert.ok(got.includes(p), got.join(","));
      return true;
    });
  });

  test("a cluster name over 63 characters fails the workflow naming the fields to shorten", async () => {
    await assert.rejects(renderRequest(postgresqlPromise, req({ teamId: "a".repeat(30) }, "b".repeat(30))), /longer than 63 characters: shorten metadata.name or spec.teamId/);
  });

  test("rendered placements build with kubectl kustomize", async () => {
    const r = await renderRequest(postgresqlPromise, kratixFixture("postgresql").object);
    assert.deepEqual(Object.values(kustomizeBuild(r.placements)).flat().map((o) => o.kind), ["postgresql"]);
  });

  test("dependencies: the postgres-operator chart through Flux, pinned, valid against the Flux CRDs", async () => {
    const d = await renderDependencies(postgresqlPromise);
    const rel = d.objects.dev.find((o) => o.kind === "HelmRelease")!;
    const repo = d.objects.dev.find((o) => o.kind === "HelmRepository")!;
    assert.equal((repo.spec as { url: string }).url, "https://opensource.zalando.com/postgres-operator/charts/postgres-operator");
    const spec = rel.spec as { chart: { spec: { chart: string; version: string } }; values: { configKubernetes: { watched_namespace: string } } };
    assert.deepEqual([spec.chart.spec.chart, spec.chart.spec.version], ["postgres-operator", "1.14.0"]);
    assert.equal(spec.values.configKubernetes.watched_namespace, "*");
    assert.equal(rel.metadata.namespace, "postgres-operator");
    for (const p of Object.keys(d.files.dev)) assert.match(p, /^dependencies\/postgresql\/static\/[0-9a-f]{5}\//);
    assert.deepEqual(await fluxIssues(d.objects.dev), []);
    assert.equal(Object.values(kustomizeBuild(d.placements)).flat().length, 3);
  });
});
