/**
 * The Applied condition's logic: a Flux Kustomization state judged against the commit of a request's
 * files (pure), and the tracker's transitions Unknown → True / False with a scripted cluster source.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AppliedTracker, judge, revisionCommit, type ClusterStatusSource, type FluxKustomizationState } from "../../../service/core/applied";
import type { Condition } from "../../../service/core/types";
import type { StoredRequest } from "../../../service/core/store";
import { resumeAction } from "../../../service/core/wiring";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
// History: A ← B ← C (C newest). `contains(x)` asks whether x is B or after it.
const order = [A, B, C];
const containsB = async (c: string) => order.indexOf(c) >= order.indexOf(B);

describe("judge", () => {
  test("revision parsing", () => {
    assert.equal(revisionCommit(`main@sha1:${C}`), C);
    assert.equal(revisionCommit(C), C);
    assert.equal(revisionCommit("main@sha1:short"), undefined);
    assert.equal(revisionCommit(undefined), undefined);
  });

  test("judge tells contains the branch of the revision (a scope branch's commit may need fetching)", async () => {
    const asked: (string | undefined)[] = [];
    const k: FluxKustomizationState = { ready: { status: "True", reason: "ReconciliationSucceeded", message: "" }, lastAppliedRevision: `plinth/dev/resources/default/redis/cache@sha1:${C}` };
    const v = await judge(k, async (c, branch) => (asked.push(branch), containsB(c)));
    assert.equal(v.state, "applied");
    assert.deepEqual(asked, ["plinth/dev/resources/default/redis/cache"]);
    const bare: (string | undefined)[] = [];
    await judge({ ...k, lastAppliedRevision: C }, async (c, branch) => (bare.push(branch), containsB(c)));
    assert.deepEqual(bare, [undefined], "a bare commit names no branch");
  });

  test("applied only when Ready and the applied revision holds the commit", async () => {
    assert.equal((await judge(undefined, containsB)).state, "pending");
    const old: FluxKustomizationState = { ready: { status: "True", reason: "ReconciliationSucceeded", message: "" }, lastAppliedRevision: `main@sha1:${A}` };
    assert.equal((await judge(old, containsB)).state, "pending");
    const now = { ...old, lastAppliedRevision: `main@sha1:${C}` };
    assert.deepEqual(await judge(now, containsB), { state: "applied", revision: `main@sha1:${C}` });
  });

  test("failed carries Flux's reason and message; waiting reasons stay pending", async () => {
    const failed: FluxKustomizationState = {
      ready: { status: "False", reason: "ReconciliationFailed", message: 'ConfigMap/default/x dry-run failed: data: Invalid value: "integer"' },
      lastAppliedRevision: `main@sha1:${A}`,
      lastAttemptedRevision: `main@sha1:${B}`,
    };
    const v = await judge(failed, containsB);
    assert.equal(v.state, "failed");
    assert.match((v as { message: string }).message, /dry-run failed/);
    const older = { ...failed, lastAttemptedRevision: `main@sha1:${A}` };
    assert.equal((await judge(older, containsB)).state, "pending", "a failure of an older revision says nothing about this commit");
    const dep = { ...failed, ready: { status: "False", reason: "DependencyNotReady", message: "dependency 'flux-system/dev-dependencies' is not ready" } };
    assert.equal((await judge(dep, containsB)).state, "pending");
  });
});

/**
 * A fake `dev` cluster source over `states` (Kustomization name → state), watching unless `polled`; `reads`
 * counts its reads and `notify` plays a watch event. `tracked` is an AppliedTracker over it whose conditions
 * `cond(stack, type)` reads (fallback poll of an hour when watching: only watch events move a condition).
 */
function fakeDev(o: { polled?: boolean; intervalMs?: number } = {}) {
  const states = new Map<string, FluxKustomizationState>();
  const fake = { states, reads: 0, notify: undefined as ((name: string | undefined) => void) | undefined };
  const source: ClusterStatusSource = {
    destination: "dev",
    kustomizationName: (r) => `dev-${r.namespace}-${r.promise}-${r.name}`,
    readKustomization: async (name) => (fake.reads++, states.get(name)),
    requestReconcile: async () => undefined,
    ...(o.polled ? {} : { watch: (onChange: (name: string | undefined) => void) => ((fake.notify = onChange), () => (fake.notify = undefined)) }),
  };
  const conditions = new Map<string, Condition[]>();
  const tracker = new AppliedTracker({
    sources: [source],
    contains: async (_d, c, a) => order.indexOf(c) >= order.indexOf(a),
    update: (st, ch) => conditions.set(st, ch(conditions.get(st) ?? [])),
    ...(o.polled ? { intervalMs: o.intervalMs ?? 5 } : { fallbackMs: 3_600_000 }),
  });
  const cond = (stack: string, type: string) => conditions.get(stack)?.find((c) => c.type === type);
  return { fake, tracker, cond };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("AppliedTracker", () => {
  test("Unknown while waiting, then True with the revision; a failure on another request is False with Flux's message", async () => {
    const states = new Map<string, FluxKustomizationState>();
    let reconcileRequests = 0;
    const source: ClusterStatusSource = {
      destination: "dev",
      kustomizationName: (r) => `dev-${r.namespace}-${r.promise}-${r.name}`,
      readKustomization: async (name) => states.get(name),
      requestReconcile: async () => void reconcileRequests++,
    };
    const conditions = new Map<string, Condition[]>();
    const tracker = new AppliedTracker({
      sources: [source],
      contains: async (_d, commit, ancestor) => order.indexOf(commit) >= order.indexOf(ancestor),
      update: (stack, change) => conditions.set(stack, change(conditions.get(stack) ?? [])),
      intervalMs: 5,
    });
    const applied = (stack: string) => conditions.get(stack)?.find((c) => c.type === "Applied");
    try {
      tracker.track("good", { namespace: "default", promise: "redis", name: "good" }, [{ destination: "dev", commit: B }]);
      tracker.track("bad", { namespace: "default", promise: "redis", name: "bad" }, [{ destination: "dev", commit: B }]);
      tracker.track("elsewhere", { namespace: "default", promise: "redis", name: "x" }, [{ destination: "prod", commit: B }]);
      assert.equal(applied("good")?.status, "Unknown");
      assert.equal(applied("elsewhere"), undefined, "destinations without Flux status get no Applied condition");
      assert.equal(reconcileRequests, 2);
      states.set("dev-default-redis-good", { ready: { status: "True", reason: "ReconciliationSucceeded", message: "Applied revision" }, lastAppliedRevision: `main@sha1:${C}`, lastAttemptedRevision: `main@sha1:${C}` });
      states.set("dev-default-redis-bad", { ready: { status: "False", reason: "ReconciliationFailed", message: "ConfigMap/default/bad dry-run failed" }, lastAttemptedRevision: `main@sha1:${C}` });
      for (let i = 0; i < 200 && tracker.pending() > 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(tracker.pending(), 0);
      assert.equal(applied("good")?.status, "True");
      assert.match(applied("good")!.message, new RegExp(`dev: applied main@sha1:${C}`));
      assert.equal(applied("bad")?.status, "False");
      assert.equal(applied("bad")?.reason, "ReconciliationFailed");
      assert.match(applied("bad")!.message, /^dev: ConfigMap\/default\/bad dry-run failed$/);
    } finally {
      tracker.close();
    }
  });

  test("a watching source drives the checks (no fast poll); Healthy from the Kustomization's health checks", async () => {
    const { fake, tracker, cond } = fakeDev();
    const states = fake.states;
    try {
      assert.ok(fake.notify, "the tracker subscribed to the source's watch");
      tracker.track("ok", { namespace: "default", promise: "web", name: "ok" }, [{ destination: "dev", commit: B }]);
      tracker.track("sick", { namespace: "default", promise: "web", name: "sick" }, [{ destination: "dev", commit: B }]);
      await settle();
      const first = fake.reads;
      await settle();
      assert.equal(fake.reads, first, "no polling while nothing changes");
      states.set("dev-default-web-ok", {
        ready: { status: "True", reason: "ReconciliationSucceeded", message: "" },
        lastAppliedRevision: `main@sha1:${C}`,
        health: { status: "True", reason: "Succeeded", message: "all resources are healthy" },
      });
      states.set("dev-default-web-sick", {
        ready: { status: "False", reason: "HealthCheckFailed", message: "timeout waiting for: [Deployment/default/sick status: 'InProgress']" },
        lastAttemptedRevision: `main@sha1:${C}`,
        health: { status: "False", reason: "HealthCheckFailed", message: "timeout waiting for: [Deployment/default/sick status: 'InProgress']" },
      });
      fake.notify!("dev-default-web-unrelated");
      await settle();
      assert.equal(cond("ok", "Applied")?.status, "Unknown", "an unrelated Kustomization's change checks nothing");
      fake.notify!("dev-default-web-ok");
      fake.notify!("dev-default-web-sick");
      for (let i = 0; i < 100 && tracker.pending() > 0; i++) await settle();
      assert.equal(cond("ok", "Applied")?.status, "True");
      assert.equal(cond("ok", "Healthy")?.status, "True");
      assert.equal(cond("sick", "Applied")?.status, "True", "applied; only its health failed");
      assert.equal(cond("sick", "Healthy")?.status, "False");
      assert.equal(cond("sick", "Healthy")?.reason, "HealthCheckFailed");
      assert.match(cond("sick", "Healthy")!.message, /^dev: timeout waiting for: \[Deployment\/default\/sick/);
    } finally {
      tracker.close();
    }
    assert.equal(fake.notify, undefined, "close stops the watch");
  });
  test("Healthy keeps following the Kustomization after Applied settles: later health check results, no flapping while Flux re-checks", async () => {
    const { fake, tracker, cond } = fakeDev();
    const states = fake.states;
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 100 && !ok(); i++) await settle();
    };
    const healthy = (message: string): FluxKustomizationState => ({ ready: { status: "True", reason: "ReconciliationSucceeded", message: "" }, lastAppliedRevision: `main@sha1:${C}`, lastAttemptedRevision: `main@sha1:${C}`, health: { status: "True", reason: "Succeeded", message } });
    const unhealthy = (message: string): FluxKustomizationState => ({ ready: { status: "False", reason: "HealthCheckFailed", message }, lastAppliedRevision: `main@sha1:${C}`, lastAttemptedRevision: `main@sha1:${C}`, health: { status: "False", reason: "HealthCheckFailed", message } });
    try {
      tracker.track("web", { namespace: "default", promise: "web", name: "web" }, [{ destination: "dev", commit: B }]);
      tracker.track("late", { namespace: "default", promise: "web", name: "late" }, [{ destination: "dev", commit: B }]);
      tracker.track("plain", { namespace: "default", promise: "web", name: "plain" }, [{ destination: "dev", commit: B }]);
      // web: applied, its Deployment not ready within the timeout. late: applied, Flux has not reported health yet.
      states.set("dev-default-web-web", unhealthy("timeout waiting for: [Deployment/default/web status: 'InProgress']"));
      states.set("dev-default-web-late", { ...healthy(""), health: { status: "Unknown", reason: "Progressing", message: "waiting for Flux's health checks" } });
      states.set("dev-default-web-plain", { ready: { status: "True", reason: "ReconciliationSucceeded", message: "" }, lastAppliedRevision: `main@sha1:${C}` });
      fake.notify!(undefined);
      await until(() => tracker.pending() === 0);
      assert.equal(tracker.pending(), 0, "Applied settled for all three");
      assert.equal(cond("web", "Applied")?.status, "True");
      assert.equal(cond("web", "Healthy")?.status, "False");
      assert.equal(cond("late", "Applied")?.status, "True");
      assert.equal(cond("late", "Healthy")?.status, "Unknown");
      assert.equal(cond("plain", "Healthy"), undefined);
      assert.equal(tracker.followingHealth(), 2, "the two with health checks are still followed; plain is not");

      // Flux retries: the Deployment became available; the late one's checks finished.
      states.set("dev-default-web-web", healthy("Health check passed"));
      states.set("dev-default-web-late", unhealthy("timeout waiting for: [StatefulSet/default/late status: 'InProgress']"));
      fake.notify!("dev-default-web-web");
      fake.notify!("dev-default-web-late");
      await until(() => cond("web", "Healthy")?.status === "True" && cond("late", "Healthy")?.status === "False");
      assert.equal(cond("web", "Healthy")?.status, "True", "became healthy after Applied settled");
      assert.equal(cond("web", "Healthy")?.message, "dev: Health check passed");
      assert.equal(cond("late", "Healthy")?.status, "False", "Unknown at Applied, then Flux's verdict");
      assert.match(cond("late", "Healthy")!.message, /StatefulSet\/default\/late/);

      // Flux's periodic reconcile re-runs the checks (Ready and Healthy Unknown meanwhile): no flapping.
      const before = cond("web", "Healthy")!;
      states.set("dev-default-web-web", { ...healthy(""), ready: { status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" }, health: { status: "Unknown", reason: "Progressing", message: "Running health checks" } });
      fake.notify!("dev-default-web-web");
      await settle();
      await settle();
      assert.deepEqual(cond("web", "Healthy"), before, "the last verdict stands while Flux re-checks");
      assert.equal(cond("web", "Applied")?.status, "True", "Applied is about the commit: unchanged");

      // Later the object turns unhealthy.
      states.set("dev-default-web-web", unhealthy("timeout waiting for: [Deployment/default/web status: 'InProgress']"));
      fake.notify!("dev-default-web-web");
      await until(() => cond("web", "Healthy")?.status === "False");
      assert.equal(cond("web", "Healthy")?.status, "False", "became unhealthy after Applied settled");
      assert.equal(cond("web", "Applied")?.status, "True");

      // A deleted request is no longer followed.
      tracker.forget("web");
      assert.equal(tracker.followingHealth(), 1);
      states.set("dev-default-web-web", healthy("Health check passed"));
      fake.notify!("dev-default-web-web");
      await settle();
      await settle();
      assert.equal(cond("web", "Healthy")?.status, "False");
    } finally {
      tracker.close();
    }
  });

  test("a polled source follows Healthy after Applied until Flux's verdict (then stops polling)", async () => {
    const { fake, tracker, cond: condOf } = fakeDev({ polled: true });
    const states = fake.states;
    const cond = (type: string) => condOf("late", type);
    try {
      states.set("dev-default-web-late", {
        ready: { status: "True", reason: "ReconciliationSucceeded", message: "" },
        lastAppliedRevision: `main@sha1:${C}`,
        health: { status: "Unknown", reason: "Progressing", message: "waiting for Flux's health checks" },
      });
      tracker.track("late", { namespace: "default", promise: "web", name: "late" }, [{ destination: "dev", commit: B }]);
      for (let i = 0; i < 100 && tracker.pending() > 0; i++) await settle();
      assert.equal(cond("Applied")?.status, "True");
      assert.equal(cond("Healthy")?.status, "Unknown");
      states.set("dev-default-web-late", { ...states.get("dev-default-web-late")!, health: { status: "True", reason: "Succeeded", message: "Health check passed" } });
      for (let i = 0; i < 100 && cond("Healthy")?.status !== "True"; i++) await settle();
      assert.equal(cond("Healthy")?.status, "True");
      await settle();
      const after = fake.reads;
      await settle();
      await settle();
      assert.equal(fake.reads, after, "settled: no more polling");
      assert.equal(tracker.followingHealth(), 0, "nothing can tell a polled source's later changes cheaply: no longer followed");
    } finally {
      tracker.close();
    }
  });
  test("after a restart: an applied request's Healthy is followed again, its Applied left as it is", async () => {
    const states = new Map<string, FluxKustomizationState>();
    let notify: ((name: string | undefined) => void) | undefined;
    const source: ClusterStatusSource = {
      destination: "dev",
      kustomizationName: (r) => `dev-${r.namespace}-${r.promise}-${r.name}`,
      readKustomization: async (name) => states.get(name),
      requestReconcile: async () => assert.fail("following health asks Flux for nothing"),
      watch: (onChange) => ((notify = onChange), () => (notify = undefined)),
    };
    const applied: Condition = { type: "Applied", status: "True", reason: "ReconciliationSucceeded", message: `dev: applied main@sha1:${C}`, lastTransitionTime: "2026-11-30T00:00:00Z" };
    const unhealthy: Condition = { type: "Healthy", status: "False", reason: "HealthCheckFailed", message: "dev: timeout", lastTransitionTime: "2026-11-30T00:00:00Z" };
    let conditions: Condition[] = [applied, unhealthy];
    const tracker = new AppliedTracker({ sources: [source], contains: async (_d, c, a) => order.indexOf(c) >= order.indexOf(a), update: (_s, ch) => (conditions = ch(conditions)), fallbackMs: 3_600_000 });
    try {
      states.set("dev-default-web-web", { ready: { status: "True", reason: "ReconciliationSucceeded", message: "" }, lastAppliedRevision: `main@sha1:${C}`, health: { status: "True", reason: "Succeeded", message: "Health check passed" } });
      const stored = { object: { metadata: { name: "web", namespace: "default", generation: 1 } }, promise: "web", status: { observedGeneration: 1, conditions }, stackCreated: true } as unknown as StoredRequest;
      assert.equal(resumeAction(stored, { promises: [], destinations: [] }), "follow-health");
      tracker.followHealth("web", { namespace: "default", promise: "web", name: "web" }, [{ destination: "dev", commit: B }]);
      assert.equal(tracker.pending(), 0, "Applied is not waited for again");
      for (let i = 0; i < 100 && conditions.find((c) => c.type === "Healthy")?.status !== "True"; i++) await settle();
      assert.equal(conditions.find((c) => c.type === "Healthy")?.status, "True");
      assert.deepEqual(conditions.find((c) => c.type === "Applied"), applied);
      // Still followed through the watch.
      states.set("dev-default-web-web", { ready: { status: "False", reason: "HealthCheckFailed", message: "timeout again" }, lastAttemptedRevision: `main@sha1:${C}`, health: { status: "False", reason: "HealthCheckFailed", message: "timeout again" } });
      notify!("dev-default-web-web");
      for (let i = 0; i < 100 && conditions.find((c) => c.type === "Healthy")?.status !== "False"; i++) await settle();
      assert.equal(conditions.find((c) => c.type === "Healthy")?.message, "dev: timeout again");
      const plain = { ...stored, status: { observedGeneration: 1, conditions: [applied] } } as unknown as StoredRequest;
      assert.equal(resumeAction(plain, { promises: [], destinations: [] }), undefined, "no health checks: nothing to follow");
    } finally {
      tracker.close();
    }
  });
});
