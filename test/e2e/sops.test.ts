/**
 * SOPS end to end on a local cluster with Flux: a request's Secret is committed only SOPS-encrypted to the
 * destination's age key, and Flux's own kustomize-controller decrypts it with the `sops-age` Secret the
 * platform applied — the API server holds the plaintext value and the request is Applied=True.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { z } from "zod";
import { definePromise } from "../../components/promise";
import type { AnyPromise } from "../../components/promise/types";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { eventually, startTestCluster, type TestCluster } from "../support/cluster";
import { withCapturedRejections } from "../support/rejections";
import { stackSopsKeys } from "../../stacks/local-platform/settings";

const run = promisify(execFile);

const dbSecretPromise = definePromise({
  name: "db-secret",
  version: "0.1.0",
  api: { group: "test.plinth.dev", version: "v1", kind: "DbSecret", spec: z.object({ password: z.string().meta({ sensitive: true }), leak: z.boolean().default(false) }) },
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "render",
              render: ({ object }) => ({
                files: {
                  "secret.yaml": { apiVersion: "v1", kind: "Secret", metadata: { name: object.metadata.name, namespace: object.metadata.namespace }, type: "Opaque", stringData: { password: object.spec.password } },
                  // A Promise that also writes the sensitive value in plaintext (a ConfigMap): refused.
                  ...(object.spec.leak ? { "config.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${object.metadata.name}-cfg`, namespace: object.metadata.namespace }, data: { password: object.spec.password } } } : {}),
                },
              }),
            },
          ],
        },
      ],
    },
  },
}) as AnyPromise;

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", kind: "local-cluster", labels: { env: "dev" }, flux: { interval: "10m" } }],
  promises: [{ name: "db-secret" }],
  teams: [{ name: "dev", namespaces: ["default"] }],
};

type Condition = { type: string; status: string; reason: string; message: string };
type Got = { metadata: { generation: number }; status: { observedGeneration: number; conditions: Condition[] } };

describe("SOPS-encrypted Secrets decrypted by Flux on a local cluster", { timeout: 900_000 }, () => {
  let c: TestCluster;
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${t.platform.devToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const appliedOf = async (name: string) => {
    let last: Condition | undefined;
    try {
      return await eventually(`Applied=True on ${name}`, async () => {
        const res = await call("GET", `/v1/requests/default/DbSecret/${name}`);
        const g = res.status === 200 ? ((await res.json()) as Got) : undefined;
        const a = g?.status.conditions.find((x) => x.type === "Applied");
        // Settled on True: a transient Flux failure (a build racing its source's new artifact) is retried in
        // 5 s (retryInterval) and must not end the wait; a lasting False times out with its message.
        last = a;
        return g && g.status.observedGeneration === g.metadata.generation && a?.status === "True" ? a : undefined;
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last Applied: ${JSON.stringify(last)}`, { cause: err });
    }
  };
  const put = (name: string, password: string, leak = false) =>
    call("PUT", `/v1/requests/default/DbSecret/${name}`, { apiVersion: "test.plinth.dev/v1", kind: "DbSecret", metadata: { name, namespace: "default" }, spec: { password, leak } });
  const gitLog = async () => (await run("git", ["log", "-p", "--all"], { cwd: await t.clone(), maxBuffer: 64 * 1024 * 1024 })).stdout;
  const second = "second-db-password-e2e";
  const secretValue = async (name: string) => {
    const s = await c.cluster.client.get<{ data: Record<string, string> }>(`/api/v1/namespaces/default/secrets/${name}`);
    return s ? Buffer.from(s.data.password, "base64").toString() : undefined;
  };

  before(async () => {
    c = await startTestCluster();
    t = await startTestPlatform({ catalogue: { "db-secret": dbSecretPromise } });
    t.platform.attachCluster("dev", { kubeconfig: c.cluster.kubeconfig, client: c.cluster.client, pluginDir: c.pluginDir });
    await t.platform.up(config);
    await c.cluster.startFlux();
    await t.platform.serve({ retryBaseMs: 50 });
  });
  after(async () => {
    await t?.cleanup();
    await c?.stop();
  });

  test("the sops-age Secret is in flux-system and the request Kustomization decrypts with it", async () => {
    const key = await c.cluster.client.get<{ data: Record<string, string> }>("/api/v1/namespaces/flux-system/secrets/sops-age");
    assert.match(Buffer.from(key!.data["age.agekey"], "base64").toString(), /^AGE-SECRET-KEY-1/);
    const deps = await c.cluster.client.get<{ spec: { decryption?: unknown } }>("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/dev-dependencies");
    assert.deepEqual(deps?.spec.decryption, { provider: "sops", secretRef: { name: "sops-age" } });
  });

  test("request → only ENC[ in Git; kustomize-controller decrypts: Applied=True and the API server holds the value; update rotates it", async () => {
    const first = "first-db-password-e2e";
    assert.ok((await put("db", first)).ok);
    const a1 = await appliedOf("db");
    assert.equal(a1.status, "True", a1.message);
    assert.equal(await secretValue("db"), first);
    const ks = await c.cluster.client.get<{ spec: { decryption?: unknown } }>("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/dev-default-db-secret-db");
    assert.deepEqual(ks?.spec.decryption, { provider: "sops", secretRef: { name: "sops-age" } });

    assert.ok((await put("db", second)).ok);
    await eventually("rotated value", async () => ((await secretValue("db")) === second ? true : undefined));
    const log = await gitLog();
    assert.ok(!log.includes(first) && !log.includes(second), "no plaintext in the State Store's history");
    // Every password line ever committed (added or removed) is a SOPS value.
    const lines = log.split("\n").filter((l) => /^[+-]\s+password:/.test(l));
    assert.ok(lines.length >= 2 && lines.every((l) => /password: ENC\[AES256_GCM,data:/.test(l)), lines.join("\n"));
    const a2 = await appliedOf("db");
    assert.equal(a2.status, "True", a2.message);
  });

  test("key rotation: one commit re-encrypts the destination; Flux holds the new key; the cluster's Secret stays intact and Applied=True", async () => {
    const oldKey = (await stackSopsKeys(t.platform.workspace, t.platform.stack)).dev.split("\n")[0];
    const head = await t.head();
    await t.platform.up({ ...config, destinations: config.destinations.map((d) => ({ ...d, sopsKeyRotation: 1 })) });
    await t.platform.serve({ retryBaseMs: 50 });
    const clone = await t.clone();
    const git = async (...a: string[]) => (await run("git", a, { cwd: clone })).stdout.trim();
    assert.equal(await git("rev-list", "--count", `${head}..HEAD`), "1", "one commit re-encrypts everything");
    assert.match(await git("show", "--name-only", "--format=", "HEAD"), /^dev\/resources\/default\/db-secret\/db\/.*secret\.yaml$/);
    const newKey = (await stackSopsKeys(t.platform.workspace, t.platform.stack)).dev.split("\n")[0];
    assert.notEqual(newKey, oldKey);
    const key = await c.cluster.client.get<{ data: Record<string, string> }>("/api/v1/namespaces/flux-system/secrets/sops-age");
    assert.deepEqual(Buffer.from(key!.data["age.agekey"], "base64").toString().split("\n"), [newKey, oldKey], "Flux holds the new key (and the previous one until the next rotation)");
    // Flux applies what Git holds now (re-encrypted to the new key), reading it afresh.
    assert.equal((await call("POST", "/v1/requests/default/DbSecret/db/reconcile")).status, 202);
    await t.platform.service!.idle();
    const a = await appliedOf("db");
    assert.equal(a.status, "True", a.message);
    assert.equal(await secretValue("db"), second, "the cluster's Secret is intact");
    // …and what Flux applied last is Git's head: ciphertext of the new key, decrypted in the cluster.
    const headNow = await t.head();
    await eventually("Flux applied the re-encrypted head", async () => {
      const k = await c.cluster.client.get<{ status?: { lastAppliedRevision?: string } }>("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/dev-default-db-secret-db");
      // The request's scope branch points at a commit cut from the head (its parent; scope-commits.ts).
      const [branch, sha] = (k?.status?.lastAppliedRevision ?? "").split("@sha1:");
      if (!sha) return undefined;
      if (sha === headNow) return true;
      try {
        await git("fetch", "-q", "origin", `refs/heads/${branch}`);
        return (await git("rev-parse", `${sha}^`)) === headNow ? true : undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(await secretValue("db"), second);
    assert.ok(!(await gitLog()).includes(second));
  });

  test("a Promise writing a sensitive value in plaintext to this keyed destination is refused: Stalled PlaintextSecret naming the file; nothing is committed", async () => {
    const head = await t.head();
    // The refused program's own rejections (the engine's run of it) are captured, as in the service tests.
    const captured = await withCapturedRejections(async () => {
      assert.ok((await put("leaky", "leaked-db-password-e2e", true)).ok);
      await t.platform.service!.idle();
    });
    assert.equal(captured.error, undefined);
    assert.ok(captured.rejections.every((r) => /PlaintextSecret/.test(String((r as Error)?.message ?? r))));
    const g = await eventually("Stalled", async () => {
      const res = await call("GET", "/v1/requests/default/DbSecret/leaky");
      const got = (await res.json()) as Got;
      const st = got.status.conditions.find((x) => x.type === "Stalled");
      return st?.status === "True" ? { got, st } : undefined;
    });
    assert.equal(g.st.reason, "PlaintextSecret");
    assert.match(g.st.message, /dev\/resources\/default\/db-secret\/leaky\/.*config\.yaml \(holding sensitive field spec\.password outside a Secret/);
    assert.equal(await t.head(), head, "nothing committed");
    assert.equal(await c.cluster.client.get("/api/v1/namespaces/default/secrets/leaky"), undefined);
    assert.ok(!(await gitLog()).includes("leaked-db-password-e2e"));
  });
});
