/**
 * PlinthService under the recording mocks: what it asks the Kubernetes provider for (replicas, probes,
 * spread, security context, PDB, Secrets used only through secretKeyRef, Pulumi secrets), and that bad
 * arguments create nothing.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { recordResources, runProgram } from "../../support/mocks";
import { isSecretValue, unwrapAll } from "../destinations/secret-value";
import { PlinthService, PLINTH_SERVICE_TYPE, type PlinthServiceArgs } from "../../../components/service";
import { ValidationError } from "../../../components/errors";

const rec = recordResources();
const DB_URL = "postgres://plinth:s3cr3t-db-password@db.internal:5432/plinth";
const TOKEN = "team-1-token-0123456789abcdef";

const args = (over: Partial<PlinthServiceArgs> = {}): PlinthServiceArgs => ({
  image: "ghcr.io/acme/plinth:1.0.0",
  host: "plinth.acme.example",
  databaseUrl: pulumi.secret(DB_URL),
  teams: [{ name: "team-1", namespaces: ["team-1"], token: TOKEN }],
  ...over,
});

describe("PlinthService", () => {
  beforeEach(() => rec.clear());

  test("a Deployment of 3 replicas with readiness on /readyz, liveness on /healthz, spread over nodes, non-root", async () => {
    const out = await runProgram(() => {
      const s = new PlinthService("plinth", args({ replicas: 3, tlsSecretName: "plinth-tls", ingressClassName: "nginx", env: { PLINTH_SECRETS_PROVIDER: "awskms://alias/plinth" } }));
      return { url: s.url, ns: s.namespace };
    });
    assert.deepEqual(out, { url: "https://plinth.acme.example", ns: "plinth" });
    assert.deepEqual(rec.ofType(PLINTH_SERVICE_TYPE).map((r) => r.name), ["plinth"]);
    const types = rec.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`).sort();
    assert.deepEqual(types, [
      "kubernetes:apps/v1:Deployment plinth",
      "kubernetes:core/v1:Namespace plinth-namespace",
      "kubernetes:core/v1:Secret plinth-database",
      "kubernetes:core/v1:Secret plinth-teams",
      "kubernetes:core/v1:Service plinth",
      "kubernetes:core/v1:ServiceAccount plinth",
      "kubernetes:networking.k8s.io/v1:Ingress plinth",
      "kubernetes:policy/v1:PodDisruptionBudget plinth",
    ]);
    const d = rec.named("plinth", "kubernetes:apps/v1:Deployment")!.inputs;
    assert.equal(d.metadata.namespace, "plinth");
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    const pod = d.spec.template.spec;
    assert.equal(pod.serviceAccountName, "plinth");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 10001);
    assert.equal(pod.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
    assert.equal(pod.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
    assert.deepEqual(pod.topologySpreadConstraints[0].labelSelector.matchLabels, d.spec.selector.matchLabels);
    const c = pod.containers[0];
    assert.equal(c.image, "ghcr.io/acme/plinth:1.0.0");
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "http" });
    assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "http" });
    assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
    const env = Object.fromEntries(c.env.map((e: { name: string }) => [e.name, e]));
    assert.equal(env.PLINTH_PORT.value, "8080");
    assert.equal(env.PLINTH_SECRETS_PROVIDER.value, "awskms://alias/plinth");
    assert.deepEqual(env.PLINTH_DATABASE_URL.valueFrom, { secretKeyRef: { name: "plinth-database", key: "url" } });
    assert.deepEqual(env.PLINTH_TEAMS.valueFrom, { secretKeyRef: { name: "plinth-teams", key: "teams.json" } });
    const spec = JSON.stringify(unwrapAll(d));
    assert.ok(!spec.includes("s3cr3t") && !spec.includes(TOKEN), "no secret in the Deployment spec");

    const pdb = rec.named("plinth", "kubernetes:policy/v1:PodDisruptionBudget")!.inputs;
    assert.equal(pdb.spec.minAvailable, 2);
    assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
    const svc = rec.named("plinth", "kubernetes:core/v1:Service")!.inputs;
    assert.deepEqual(svc.spec.selector, d.spec.selector.matchLabels);
    assert.deepEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
    const ing = rec.named("plinth", "kubernetes:networking.k8s.io/v1:Ingress")!.inputs;
    assert.equal(ing.spec.ingressClassName, "nginx");
    assert.deepEqual(ing.spec.tls, [{ hosts: ["plinth.acme.example"], secretName: "plinth-tls" }]);
    assert.equal(ing.spec.rules[0].host, "plinth.acme.example");
    assert.deepEqual(ing.spec.rules[0].http.paths[0].backend, { service: { name: "plinth", port: { name: "http" } } });
  });

  test("the database URL and the team tokens are Secrets whose data the engine receives as Pulumi secrets", async () => {
    await runProgram(() => new PlinthService("plinth", args({ secretEnv: { PULUMI_CONFIG_PASSPHRASE: "a-long-passphrase" } })).url);
    const db = rec.named("plinth-database", "kubernetes:core/v1:Secret")!.inputs;
    assert.ok(isSecretValue(db.stringData), "stringData is a secret");
    assert.deepEqual(unwrapAll(db.stringData), { url: DB_URL });
    assert.equal(db.metadata.name, "plinth-database");
    const teams = rec.named("plinth-teams", "kubernetes:core/v1:Secret")!.inputs;
    assert.ok(isSecretValue(teams.stringData));
    assert.deepEqual(JSON.parse((unwrapAll(teams.stringData) as Record<string, string>)["teams.json"]), [{ name: "team-1", namespaces: ["team-1"], token: TOKEN }]);
    const extra = rec.named("plinth-env", "kubernetes:core/v1:Secret")!.inputs;
    assert.ok(isSecretValue(extra.stringData));
    const d = rec.named("plinth", "kubernetes:apps/v1:Deployment")!.inputs;
    const pass = d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === "PULUMI_CONFIG_PASSPHRASE");
    assert.deepEqual(pass, { name: "PULUMI_CONFIG_PASSPHRASE", valueFrom: { secretKeyRef: { name: "plinth-env", key: "PULUMI_CONFIG_PASSPHRASE" } } });
    assert.equal(rec.named("plinth", "kubernetes:policy/v1:PodDisruptionBudget")!.inputs.spec.minAvailable, 1, "2 replicas by default: 1 stays up");
    assert.equal(rec.named("plinth", "kubernetes:networking.k8s.io/v1:Ingress")!.inputs.spec.tls, undefined);
  });

  test("an existing namespace and skipAwait (a cluster without nodes): no Namespace, skipAwait annotations", async () => {
    const url = await runProgram(() => new PlinthService("svc", args({ namespace: "platform-services", createNamespace: false, skipAwait: true })).url);
    assert.equal(url, "http://plinth.acme.example");
    assert.equal(rec.ofType("kubernetes:core/v1:Namespace").length, 0);
    for (const t of ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:Ingress"]) {
      assert.equal(rec.named("svc", t)!.inputs.metadata.annotations["pulumi.com/skipAwait"], "true", t);
      assert.equal(rec.named("svc", t)!.inputs.metadata.annotations["pulumi.com/deletionPropagationPolicy"], "background", t);
    }
    assert.equal(rec.named("svc-database")!.inputs.metadata.namespace, "platform-services");
  });

  test("bad arguments: one ValidationError naming every field, nothing registered, no secret echoed", async () => {
    const bad = args({ replicas: 1, host: "Not A Host", image: "", port: 80, env: { PLINTH_DATABASE_URL: "x" }, databaseUrl: "mysql://root:hunter2@db/x" });
    await assert.rejects(
      runProgram(() => new PlinthService("plinth", bad).url),
      (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.code, "InvalidServiceArgs");
        const paths = err.issues.map((i) => i.path.join("."));
        assert.deepEqual(paths.sort(), ["env.PLINTH_DATABASE_URL", "host", "image", "port", "replicas"].sort());
        assert.match(err.message, /replicas: must be at least 2/);
        assert.match(err.message, /env\.PLINTH_DATABASE_URL: is set by PlinthService itself/);
        return true;
      },
    );
    await assert.rejects(runProgram(() => new PlinthService("plinth", args({ databaseUrl: "mysql://root:hunter2@db/x" })).url), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.issues.map((i) => i.path), [["databaseUrl"]]);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
    await assert.rejects(runProgram(() => new PlinthService("Plinth_Service", args()).url), /name: must be a DNS-1123 label/);
    assert.deepEqual(rec.resources, [], "nothing was registered");
  });
});
