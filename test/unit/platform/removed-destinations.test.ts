import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { planDestinationRemoval } from "../../../stacks/local-platform/removed-destinations";
import { withUnscheduled } from "../../../service/core/reconciler";
import { requestStatus } from "../../../components/promise/request-status";
import type { StoredRequest } from "../../../service/core/store";

const rec = (name: string, destinations: string[], deleting = false): StoredRequest =>
  ({
    object: { apiVersion: "plinth.dev/v1alpha1", kind: "TeamNamespace", metadata: { name, namespace: "default", generation: 1, uid: "u", creationTimestamp: "", resourceVersion: "1", ...(deleting ? { deletionTimestamp: "t" } : {}) }, spec: {} },
    promise: "namespace",
    status: { conditions: [], observedGeneration: 1, message: "", destinations, files: [], outputs: {} },
    stackCreated: true,
  }) as StoredRequest;

describe("planDestinationRemoval", () => {
  test("names the removed destinations and the live requests with a group on one", () => {
    const plan = planDestinationRemoval({ requests: [rec("a", ["dev-a"]), rec("b", ["dev-b"]), rec("c", ["dev-a"], true), rec("d", ["platform", "dev-a"])], previous: ["dev-a", "dev-b", "platform"], next: ["dev-b", "platform"] });
    assert.deepEqual(plan.removed, ["dev-a"]);
    assert.deepEqual(plan.affected.map((k) => k.name), ["a", "d"]);
  });
  test("nothing removed, nothing affected", () => {
    assert.deepEqual(planDestinationRemoval({ requests: [rec("a", ["dev-a"])], previous: ["dev-a"], next: ["dev-a", "new"] }), { removed: [], affected: [] });
  });
});

describe("status of an unscheduled request", () => {
  test("is Stalled with NoDestination and the scheduling message; never Ready", () => {
    const message = 'pipeline "configure" default group: destination "dev-a" was removed and no destination matches selectors env=dev';
    const st = requestStatus({ pipelines: [{ pipeline: "configure", workflowControl: {} }], status: {}, suspended: false } as never, [{ pipeline: "configure", reason: "unscheduled", selector: { env: "dev" }, message }], []);
    const c = (t: string) => st.conditions.find((x) => x.type === t);
    assert.deepEqual([c("Stalled")?.status, c("Stalled")?.reason], ["True", "NoDestination"]);
    assert.equal(c("Stalled")?.message, message);
    assert.equal(c("Ready")?.status, "False");
    assert.deepEqual(st.destinations, []);
  });
  test("keeps where an unscheduled group was, so a later run still names it", () => {
    assert.deepEqual(withUnscheduled([], [{ pipeline: "configure", destination: "dev-a" }]), [{ pipeline: "configure", destination: "dev-a" }]);
    assert.deepEqual(withUnscheduled([{ pipeline: "configure", destination: "dev-b" }], [{ pipeline: "configure", destination: "dev-a" }]), [{ pipeline: "configure", destination: "dev-b" }]);
  });
});
