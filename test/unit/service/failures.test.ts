import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { attemptLimit, failureKind } from "../../../service/core/failures";

describe("failed reconciles: what they are and how often they are retried", () => {
  const store = "state store remote http://127.0.0.1:4000/git/state.git";
  test("a State Store remote that is gone or failing is storeUnavailable, retried without limit", () => {
    for (const m of [
      `${store} is unreachable: ECONNRESET; check the URL and that the Git host is running update failed`,
      `${store} is unreachable: ECONNREFUSED; check the URL`,
      `${store} failed: push answered HTTP 503: git host unavailable update failed`,
      `${store} failed: HTTP 502 Bad Gateway`,
      `${store} failed: HTTP 429 Too Many Requests`,
    ]) {
      assert.equal(failureKind(m), "storeUnavailable", m);
      assert.equal(attemptLimit(failureKind(m), 4), Number.POSITIVE_INFINITY);
    }
  });
  test("refused credentials, other errors, contention and tenancy keep their limits", () => {
    assert.equal(failureKind(`state store remote https://git.example/x.git refused the credentials (HTTP 403); check the state store username`), "failure");
    assert.equal(failureKind("the workflow step configure/render failed: boom"), "failure");
    assert.equal(failureKind(`${"state store remote x"}: push was rejected 5 times because other writers kept moving the branch (StateStoreContended)`), "transient");
    assert.equal(failureKind("the stack is currently locked by 1 lock(s)"), "transient");
    assert.equal(failureKind("ForbiddenPlacementError: ForbiddenPlacement: team \"dev\" may not place Namespace x"), "permanent");
    assert.equal(failureKind("PlaintextSecretError: PlaintextSecret: secret.yaml holds a plaintext Secret"), "permanent");
    assert.equal(attemptLimit("failure", 4), 4);
    assert.equal(attemptLimit("transient", 4), 8);
    assert.equal(attemptLimit("permanent", 4), 1);
  });
});
