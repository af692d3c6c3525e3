/**
 * Tenancy with the real platform (engine, embedded Git, HTTP): a team's request may render objects only
 * into the team's namespaces, cluster-scoped kinds only where the Promise declares them; anything else is
 * Stalled with ForbiddenPlacement and nothing is committed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { definePromise, type AnyPromise } from "../../../components/promise";
import { sha256Hex } from "../../../service/core";
import { namespacePromise } from "../../../promises/namespace";
import { startTestPlatform, treeOf, type TestPlatform } from "../../support/platform";
import { withCapturedRejections } from "../../support/rejections";

const ADMIN_TOKEN = "admin-token-0123456789abcdef";
const TEAM_B_TOKEN = "team-b-token-0123456789abcdef";

/** Renders one ConfigMap into whatever namespace the request asks for (or none). */
const placer = definePromise({
  name: "placer",
  version: "0.1.0",
  api: { group: "test.plinth.dev", version: "v1", kind: "Placer", spec: z.object({ target: z.string().optional() }) },
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "render",
              render: ({ object }) => ({
                files: { "cm.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: object.metadata.name, ...(object.spec.target ? { namespace: object.spec.target } : {}) }, data: { a: "b" } } },
              }),
            },
          ],
        },
      ],
    },
  },
});

const config = {
  stateStores: [{ name: "default", embedded: true }],
  destinations: [{ name: "dev", labels: { env: "dev" } }],
  promises: [{ name: "namespace" }, { name: "placer" }],
  teams: [
    { name: "dev", namespaces: ["default", "team-a"] },
    { name: "team-b", namespaces: ["team-b"], tokenSha256: sha256Hex(TEAM_B_TOKEN) },
    { name: "admin", namespaces: ["*"], tokenSha256: sha256Hex(ADMIN_TOKEN) },
  ],
};

type Cond = { type: string; status: string; reason: string; message: string };
type Got = { status: { conditions: Cond[]; files: { path: string }[] } };

describe("tenancy: what a team's request renders stays in the team's namespaces", () => {
  let t: TestPlatform;
  const call = (method: string, p: string, body?: unknown, token = t.platform.devToken) =>
    fetch(`${t.platform.url}${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const teamNamespace = (name: string, team = "a") => ({ apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name }, spec: { team } });
  const placerRequest = (name: string, target?: string) => ({ apiVersion: "test.plinth.dev/v1", kind: "Placer", metadata: { name }, spec: target ? { target } : {} });
  const get = async (kind: string, name: string, ns = "default", token?: string) => (await (await call("GET", `/v1/requests/${ns}/${kind}/${name}`, undefined, token)).json()) as Got;
  const cond = (g: Got, type: string) => g.status.conditions.find((c) => c.type === type);
  /** Runs `fn` and waits for the reconciles; a refused program leaves only its own ForbiddenPlacement rejections. */
  const refused = async (fn: () => Promise<void>) => {
    const run = await withCapturedRejections(async () => {
      await fn();
      await t.platform.service!.idle();
    });
    assert.equal(run.error, undefined);
    assert.ok(run.rejections.every((r) => /ForbiddenPlacement/.test(String((r as Error)?.message ?? r))), String(run.rejections));
  };

  before(async () => {
    t = await startTestPlatform({ catalogue: { namespace: namespacePromise as AnyPromise, placer: placer as AnyPromise } });
    await t.platform.up(config);
    await t.platform.serve({ retryBaseMs: 50 });
  });
  after(async () => t?.cleanup());

  test("TeamNamespace kube-system, flux-system or another team's namespace: Stalled ForbiddenPlacement, nothing committed", async () => {
    const head = await t.head();
    await refused(async () => {
      for (const name of ["kube-system", "flux-system", "team-b"]) assert.equal((await call("POST", "/v1/requests", teamNamespace(name))).status, 202);
    });
    for (const name of ["kube-system", "flux-system", "team-b"]) {
      const got = await get("TeamNamespace", name);
      const stalled = cond(got, "Stalled");
      assert.equal(stalled?.status, "True", JSON.stringify(got.status.conditions));
      assert.equal(stalled!.reason, "ForbiddenPlacement");
      assert.match(stalled!.message, new RegExp(`^ForbiddenPlacement: team "dev" may not place Namespace ${name} \\(configure/namespace\\.yaml\\): the Promise allows Namespace only with a name of team "dev"'s namespaces`));
      assert.match(stalled!.message, new RegExp(`ResourceQuota ${name}/team-quota`));
      assert.match(stalled!.message, new RegExp(`RoleBinding ${name}/team-admin`));
      assert.equal(cond(got, "Ready")?.reason, "ForbiddenPlacement");
      assert.deepEqual(got.status.files, []);
    }
    assert.equal(await t.head(), head, "no Git commit");
    const tree = treeOf(await t.clone());
    assert.deepEqual(tree.filter((f) => /kube-system|flux-system|team-b/.test(f)), [], tree.join(","));
  });

  test("a namespace the team owns is placed; the owning team may place its own", async () => {
    assert.equal((await call("POST", "/v1/requests", teamNamespace("team-a"))).status, 202);
    assert.equal((await call("POST", "/v1/requests", { ...teamNamespace("team-b", "b"), metadata: { name: "team-b", namespace: "team-b" } }, TEAM_B_TOKEN)).status, 202);
    await t.platform.service!.idle();
    assert.equal(cond(await get("TeamNamespace", "team-a"), "Ready")?.status, "True");
    assert.equal(cond(await get("TeamNamespace", "team-b", "team-b", TEAM_B_TOKEN), "Ready")?.status, "True");
    const tree = treeOf(await t.clone());
    assert.ok(tree.some((f) => f.startsWith("dev/resources/default/namespace/team-a/") && f.endsWith("/namespace.yaml")), tree.join(","));
    assert.ok(tree.some((f) => f.startsWith("dev/resources/team-b/namespace/team-b/") && f.endsWith("/namespace.yaml")), tree.join(","));
  });

  test("any workflow: an object in another namespace, or without one, is refused; in the team's namespace it is placed", async () => {
    const head = await t.head();
    await refused(async () => {
      assert.equal((await call("POST", "/v1/requests", placerRequest("into-kube-system", "kube-system"))).status, 202);
      assert.equal((await call("POST", "/v1/requests", placerRequest("no-namespace"))).status, 202);
    });
    const a = cond(await get("Placer", "into-kube-system"), "Stalled");
    assert.equal(a?.reason, "ForbiddenPlacement");
    assert.match(a!.message, /ConfigMap kube-system\/into-kube-system \(configure\/cm\.yaml\): namespace "kube-system" is not one of team "dev"'s namespaces \("default", "team-a"\)/);
    const b = cond(await get("Placer", "no-namespace"), "Stalled");
    assert.equal(b?.reason, "ForbiddenPlacement");
    assert.match(b!.message, /ConfigMap no-namespace \(configure\/cm\.yaml\): a namespaced object must set metadata\.namespace/);
    assert.equal(await t.head(), head, "no Git commit");

    assert.equal((await call("POST", "/v1/requests", placerRequest("ok", "team-a"))).status, 202);
    await t.platform.service!.idle();
    assert.equal(cond(await get("Placer", "ok"), "Ready")?.status, "True");
  });

  test("an update that would escape stalls and keeps what was written; the preview refuses it with 403", async () => {
    const before = await get("Placer", "ok");
    const head = await t.head();
    const preview = await call("POST", "/v1/requests?dryRun=true", placerRequest("ok", "flux-system"));
    assert.equal(preview.status, 403);
    assert.match(await preview.text(), /ForbiddenPlacement.*ConfigMap flux-system\/ok/);
    await refused(async () => {
      assert.equal((await call("PUT", "/v1/requests/default/Placer/ok", placerRequest("ok", "flux-system"))).status, 200);
    });
    const after = await get("Placer", "ok");
    assert.equal(cond(after, "Stalled")?.reason, "ForbiddenPlacement");
    assert.equal(await t.head(), head, "no Git commit");
    assert.deepEqual(after.status.files, before.status.files, "the files of the last good generation stay listed");
  });

  test("an admin team (namespaces: *) is unrestricted", async () => {
    assert.equal((await call("POST", "/v1/requests", { ...placerRequest("admin-cm", "kube-system") }, ADMIN_TOKEN)).status, 202);
    await t.platform.service!.idle();
    assert.equal(cond(await get("Placer", "admin-cm", "default", ADMIN_TOKEN), "Ready")?.status, "True");
  });
});
