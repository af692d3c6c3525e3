/**
 * `plinth:service` and `plinth:database` in the platform program, under the recording mocks: the EasyEaty
 * stack's RDS PostgreSQL in the platform cluster's VPC and the PlinthService on that cluster, whose URL is
 * the stack's `endpoint`; a service on a cluster given by kubeconfig with an existing database; config
 * errors naming every key before anything is created; the embedded default deploys nothing.
 */
import { before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { platformProgram, validatePlatformConfig } from "../../../stacks/platform";
import { readStackConfig } from "../../../stacks/stack-config";
import { resolveRuntimeConfig } from "../../../stacks/runtime-config";
import { REPO_ROOT } from "../../support/pulumi";
import { fluxCrds } from "../flux/crds";
import { cloudState } from "../destinations/cloud-state";
import { isSecretValue, unwrapAll } from "../destinations/secret-value";
import { ValidationError } from "../../../components/errors";
import { RdsPostgres } from "../../../components/database/rds-postgres";

const rec = recordResources({
  state: (r) =>
    r.type === "aws:rds/instance:Instance" ? { address: `${r.inputs.identifier}.c1x2y3.eu-west-1.rds.amazonaws.com`, port: 5432 } : cloudState(r),
});
const settings = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.easyeaty.yaml"), "utf8")) as { config: Record<string, unknown> };
const easyeaty = Object.fromEntries(Object.entries(settings.config).map(([k, v]) => [k.replace(/^plinth:/, ""), v])) as Record<string, any>;
const PASSWORD = "rds-password-0123456789abcdef";

/** Sets exactly these `plinth:*` keys as the stack's config (setAllConfig replaces the whole map). */
function setConfig(raw: Record<string, unknown>): void {
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(raw).map(([k, v]) => [`plinth:${k}`, JSON.stringify(v)])));
}

const remote = { stateStores: [{ name: "default", url: "https://git.acme.example/platform/state.git", username: "plinth", password: "git-token-0123456789" }] };

describe("the platform stack deploys the service", () => {
  let crds: Awaited<ReturnType<typeof fluxCrds>>;
  before(async () => {
    crds = await fluxCrds();
  });
  beforeEach(() => rec.clear());

  test("EasyEaty: RDS PostgreSQL in the platform cluster's VPC, the service on the platform cluster, endpoint = its URL", async () => {
    setConfig({ ...easyeaty, database: { rds: { ...easyeaty.database.rds, password: PASSWORD } } });
    const out = (await runProgram(() => platformProgram({ fluxCrds: crds, storeUrls: {} })())) as Record<string, unknown>;
    assert.equal(out.endpoint, "https://plinth.easyeaty.example");

    assert.deepEqual(rec.ofType("plinth:database:RdsPostgres").map((r) => r.name), ["plinth-db"]);
    const sg = rec.named("plinth-db-sg", "aws:ec2/securityGroup:SecurityGroup")!.inputs;
    assert.equal(sg.vpcId, "platform-vpc-id", "in the platform cluster's VPC");
    assert.deepEqual(sg.ingress.map((i: any) => [i.protocol, i.fromPort, i.toPort, i.cidrBlocks]), [["tcp", 5432, 5432, ["10.0.0.0/16"]]]);
    assert.deepEqual(sg.egress, []);
    const subnets = rec.named("plinth-db-subnets", "aws:rds/subnetGroup:SubnetGroup")!.inputs;
    assert.deepEqual(subnets.subnetIds, ["platform-subnet-0-id", "platform-subnet-1-id"]);
    const db = rec.named("plinth-db", "aws:rds/instance:Instance")!.inputs;
    assert.equal(db.engine, "postgres");
    assert.equal(db.engineVersion, "17");
    assert.equal(db.multiAz, true);
    assert.equal(db.storageEncrypted, true);
    assert.equal(db.publiclyAccessible, false);
    assert.equal(db.deletionProtection, true);
    assert.equal(db.dbSubnetGroupName, "plinth-db-subnets");
    assert.deepEqual(db.vpcSecurityGroupIds, ["plinth-db-sg-id"]);
    assert.ok(isSecretValue(db.password), "the password reaches the engine as a secret");
    assert.equal(unwrapAll(db.password), PASSWORD);

    // The service, through a Kubernetes provider on the platform cluster's kubeconfig.
    const provider = rec.named("plinth-service-k8s", "pulumi:providers:kubernetes")!;
    assert.match(String(unwrapAll(provider.inputs.kubeconfig)), /server: https:\/\/.*eks\.amazonaws\.com/);
    const d = rec.named("plinth", "kubernetes:apps/v1:Deployment")!;
    assert.match(String(d.provider), /plinth-service-k8s/);
    assert.equal(d.inputs.spec.replicas, 3);
    const c = d.inputs.spec.template.spec.containers[0];
    assert.equal(c.image, "registry.easyeaty.example/platform/plinth:1.0.0");
    const env = Object.fromEntries(c.env.map((e: { name: string }) => [e.name, e]));
    assert.equal(env.PLINTH_SECRETS_PROVIDER.value, "awskms://alias/plinth-easyeaty?region=eu-west-1");
    assert.deepEqual(env.PLINTH_CONFIG.valueFrom, { secretKeyRef: { name: "plinth-env", key: "PLINTH_CONFIG" } });
    assert.equal(rec.named("plinth", "kubernetes:core/v1:ServiceAccount")!.inputs.metadata.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/plinth-service");
    const url = rec.named("plinth-database", "kubernetes:core/v1:Secret")!.inputs.stringData;
    assert.ok(isSecretValue(url));
    assert.deepEqual(unwrapAll(url), { url: `postgres://plinth:${PASSWORD}@plinth-db.c1x2y3.eu-west-1.rds.amazonaws.com:5432/plinth?sslmode=require` });
    const teams = JSON.parse((unwrapAll(rec.named("plinth-teams")!.inputs.stringData) as Record<string, string>)["teams.json"]);
    assert.deepEqual(teams.map((t: { name: string }) => t.name), ["team-1", "team-2"]);
    const runtime = JSON.parse((unwrapAll(rec.named("plinth-env")!.inputs.stringData) as Record<string, string>).PLINTH_CONFIG);
    assert.deepEqual(runtime.destinations.map((x: { name: string; kind: string }) => [x.name, x.kind]), [["platform", "platform"], ["eks-prod", "local"], ["gke-prod", "local"], ["edge", "local"]]);
    assert.equal(runtime.teams, undefined, "team tokens only in the teams Secret");
    assert.deepEqual(validatePlatformConfig({ ...runtime, teams }).destinations.length, 4, "PLINTH_CONFIG + PLINTH_TEAMS validate as a platform config");
    // What a replica reads (stacks/runtime-config.ts) from the environment the Deployment gives it.
    const started = resolveRuntimeConfig(
      { PLINTH_STACK: env.PLINTH_STACK.value, PLINTH_SECRETS_PROVIDER: env.PLINTH_SECRETS_PROVIDER.value, PLINTH_DATABASE_URL: (unwrapAll(url) as { url: string }).url, PLINTH_CONFIG: JSON.stringify(runtime), PLINTH_TEAMS: JSON.stringify(teams) },
      "/nonexistent",
    );
    assert.deepEqual(started.shared, { databaseUrl: (unwrapAll(url) as { url: string }).url, backendUrl: (unwrapAll(url) as { url: string }).url, secretsProvider: "awskms://alias/plinth-easyeaty?region=eu-west-1" });
    assert.equal(started.stack, `${env.PLINTH_STACK.value}-service`);
    assert.deepEqual(validatePlatformConfig(started.raw).teams.map((t) => t.name), ["team-1", "team-2"], "the replica serves the teams of PLINTH_TEAMS");
    const ing = rec.named("plinth", "kubernetes:networking.k8s.io/v1:Ingress")!.inputs;
    assert.equal(ing.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt");
  });

  test("a cluster given by kubeconfig and an existing PostgreSQL: no RDS, no clusters, the URL kept secret", async () => {
    const dbUrl = "postgres://plinth:pg-secret-pass@pg.acme.internal:5432/plinth";
    setConfig({
      ...remote,
      teams: [{ name: "team-a", namespaces: ["team-a"], tokenSha256: "a".repeat(64) }],
      service: { image: "ghcr.io/acme/plinth:2.0.0", host: "plinth.acme.example", kubeconfig: "apiVersion: v1\nkind: Config\n", passphrase: "a-shared-passphrase-123" },
      database: { url: dbUrl },
    });
    const out = (await runProgram(() => platformProgram({ storeUrls: {} })())) as Record<string, unknown>;
    assert.equal(out.endpoint, "http://plinth.acme.example");
    assert.equal(rec.ofType("plinth:database:RdsPostgres").length, 0);
    assert.equal(rec.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
    const db = rec.named("plinth-database", "kubernetes:core/v1:Secret")!.inputs.stringData;
    assert.ok(isSecretValue(db));
    assert.deepEqual(unwrapAll(db), { url: dbUrl });
    const d = rec.named("plinth", "kubernetes:apps/v1:Deployment")!.inputs;
    assert.equal(d.spec.replicas, 2);
    assert.ok(!JSON.stringify(unwrapAll(d)).includes("pg-secret-pass"));
    const env = d.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
    assert.ok(env.includes("PULUMI_CONFIG_PASSPHRASE") && !env.includes("PLINTH_SECRETS_PROVIDER"));
  });

  test("config errors name every key and nothing is created", async () => {
    setConfig({
      stateStores: [{ name: "default", embedded: true }],
      service: { image: "ghcr.io/acme/plinth:2.0.0", host: "plinth.acme.example", replicas: 1 },
    });
    await assert.rejects(runProgram(() => platformProgram({ storeUrls: {} })()), (err: Error) => {
      for (const key of [
        "plinth:service.replicas: must be at least 2",
      ]) assert.ok(err.message.includes(key), `${key} in ${err.message}`);
      return true;
    });
    setConfig({
      stateStores: [{ name: "default", embedded: true }],
      service: { image: "ghcr.io/acme/plinth:2.0.0", host: "plinth.acme.example" },
      database: { url: "postgres://x:y@db/plinth", rds: { password: PASSWORD } },
    });
    await assert.rejects(runProgram(() => platformProgram({ storeUrls: {} })()), (err: Error) => {
      assert.match(err.message, /plinth:database: set exactly one of url/);
      return true;
    });
    setConfig({
      stateStores: [{ name: "default", embedded: true }],
      service: { image: "ghcr.io/acme/plinth:2.0.0", host: "plinth.acme.example" },
    });
    await assert.rejects(runProgram(() => platformProgram({ storeUrls: {} })()), (err: Error) => {
      for (const key of [
        "plinth:database: the service needs a PostgreSQL",
        "plinth:service.cluster: no platform cluster to run on",
        "plinth:service.secretsProvider: every replica shares one secrets provider",
        "plinth:stateStores[0].embedded: the replicas of the service share State Stores on a Git remote",
      ]) assert.ok(err.message.includes(key), `${key} in ${err.message}`);
      return true;
    });
    setConfig({ ...remote, database: { rds: { password: "short" } } });
    await assert.rejects(runProgram(() => platformProgram({ storeUrls: {} })()), (err: Error) => {
      assert.match(err.message, /plinth:database\.rds\.password: must be at least 16 characters/);
      assert.doesNotMatch(err.message, /short/);
      return true;
    });
    setConfig({ ...remote, database: { rds: { password: PASSWORD } } });
    await assert.rejects(runProgram(() => platformProgram({ storeUrls: {} })()), (err: Error) => {
      assert.match(err.message, /plinth:database\.rds: an RDS database is created in the platform cluster's VPC/);
      assert.ok(!err.message.includes(PASSWORD));
      return true;
    });
    assert.deepEqual(rec.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "nothing was registered");
  });

  test("RdsPostgres checks its arguments before creating anything, never echoing the password", async () => {
    await assert.rejects(
      runProgram(() => new RdsPostgres("db", { password: "has a space in it 123", vpcId: "vpc-1", vpcCidr: "10.0.0.0/16", subnetIds: ["s-1"], allocatedStorage: 10 }).url),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.code, "InvalidDatabaseArgs");
        assert.deepEqual(err.issues.map((i) => i.path.join(".")).sort(), ["allocatedStorage", "password", "subnetIds"]);
        assert.doesNotMatch(err.message, /has a space/);
        return true;
      },
    );
    assert.deepEqual(rec.resources, []);
  });

  test("the embedded default (Pulumi.local.yaml) deploys no service and keeps its endpoint", () => {
    const raw = readStackConfig(path.join(REPO_ROOT, "Pulumi.local.yaml"));
    assert.equal(raw.service, undefined);
    assert.equal(raw.database, undefined);
    const cfg = validatePlatformConfig(raw);
    assert.equal(cfg.service, undefined);
    assert.equal(cfg.stateStores[0].embedded, true);
  });
});
