import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { matchDestinations, scheduleResource, pickByHash } from "../../../components/vocabulary/scheduling";
import { validateDestinations, type DestinationSpec } from "../../../components/vocabulary/destination";

const d = (name: string, labels: Record<string, string>, extra: Partial<DestinationSpec> = {}): DestinationSpec => ({ name, labels, stateStore: "main", ...extra });
const dev1 = d("dev-1", { env: "dev", cloud: "aws" });
const dev2 = d("dev-2", { env: "dev", cloud: "gcp" });
const prod = d("prod", { env: "prod", cloud: "aws" });
const edge = d("edge", { env: "dev", kind: "edge" }, { strictMatchLabels: true });
const all = [dev1, dev2, prod, edge];

describe("matchDestinations (dependencies)", () => {
  test("all matching destinations, in order", () => {
    assert.deepEqual(matchDestinations({ destinations: all, selectors: [{ matchLabels: { env: "dev" } }] }).map((x) => x.name), ["dev-1", "dev-2", "edge"]);
    assert.deepEqual(matchDestinations({ destinations: all, selectors: { cloud: "aws" } }).map((x) => x.name), ["dev-1", "prod"]);
  });
  test("selector lists are ANDed", () => {
    assert.deepEqual(matchDestinations({ destinations: all, selectors: [{ matchLabels: { env: "dev" } }, { matchLabels: { cloud: "gcp" } }] }).map((x) => x.name), ["dev-2"]);
  });
  test("empty selectors match every non-strict destination; strict ones refuse unselected work", () => {
    assert.deepEqual(matchDestinations({ destinations: all, selectors: [] }).map((x) => x.name), ["dev-1", "dev-2", "prod"]);
    assert.deepEqual(matchDestinations({ destinations: all }).map((x) => x.name), ["dev-1", "dev-2", "prod"]);
    assert.deepEqual(matchDestinations({ destinations: all, selectors: { kind: "edge" } }).map((x) => x.name), ["edge"]);
  });
});

describe("scheduleResource", () => {
  test("default group goes to exactly one candidate, deterministically by request id", () => {
    const a = scheduleResource({ destinations: all, promiseSelectors: [{ matchLabels: { env: "dev" } }], id: "default/ns/team-a" });
    assert.equal(a.groups.length, 1);
    const g = a.groups[0];
    assert.deepEqual(g.candidates, ["dev-1", "dev-2", "edge"]);
    assert.ok(g.candidates.includes(g.destination!));
    assert.equal(g.reason, "hashed");
    const again = scheduleResource({ destinations: [...all].reverse(), promiseSelectors: [{ matchLabels: { env: "dev" } }], id: "default/ns/team-a" });
    assert.equal(again.groups[0].destination, g.destination, "input order does not change the choice");
  });

  test("the hash spreads different requests over candidates", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const dest = scheduleResource({ destinations: [dev1, dev2, prod], id: `default/ns/req-${i}` }).groups[0].destination!;
      counts.set(dest, (counts.get(dest) ?? 0) + 1);
    }
    assert.equal(counts.size, 3);
    for (const n of counts.values()) assert.ok(n > 60, `uneven spread: ${[...counts]}`);
    assert.equal(pickByHash("x", ["a"]), "a");
  });

  test("stays on the previous destination while it still matches, moves when it no longer does", () => {
    const id = "default/ns/sticky";
    const hashed = scheduleResource({ destinations: [dev1, dev2], id }).groups[0].destination!;
    const other = hashed === "dev-1" ? "dev-2" : "dev-1";
    const kept = scheduleResource({ destinations: [dev1, dev2], id, previous: [{ destination: other }] }).groups[0];
    assert.equal(kept.destination, other);
    assert.equal(kept.reason, "previous");
    const gone = scheduleResource({ destinations: [dev1, dev2, prod], id, previous: [{ destination: "prod" }], workflowSelectors: [{ matchLabels: { env: "dev" } }] }).groups[0];
    assert.notEqual(gone.destination, "prod");
    assert.equal(gone.reason, "hashed");
  });

  test("promise selectors win over workflow selectors on conflicting keys, and say so", () => {
    const r = scheduleResource({
      destinations: all, id: "x",
      promiseSelectors: [{ matchLabels: { env: "prod" } }],
      workflowSelectors: [{ matchLabels: { env: "dev", cloud: "aws" } }],
    });
    assert.deepEqual(r.groups[0].selector, { env: "prod", cloud: "aws" });
    assert.deepEqual(r.groups[0].overridden, ["env"]);
    assert.equal(r.groups[0].destination, "prod");
  });

  test("workflow selectors with a directory form their own group (promise selectors still apply)", () => {
    const r = scheduleResource({
      destinations: all, id: "x",
      promiseSelectors: [{ matchLabels: { env: "dev" } }],
      workflowSelectors: [{ matchLabels: { cloud: "aws" } }, { directory: "db", matchLabels: { cloud: "gcp" } }, { directory: "edge", matchLabels: { kind: "edge" } }],
    });
    assert.deepEqual(r.groups.map((g) => [g.directory, g.destination]), [[undefined, "dev-1"], ["db", "dev-2"], ["edge", "edge"]]);
    const prev = scheduleResource({ destinations: all, id: "x", workflowSelectors: [{ directory: "db", matchLabels: { env: "dev" } }],
      previous: [{ directory: "db", destination: "edge" }, { destination: "prod" }] });
    assert.equal(prev.groups[0].destination, "prod");
    assert.equal(prev.groups[1].destination, "edge", "edge is strict but selected by env=dev, so it stays a candidate");
    assert.equal(prev.groups[1].reason, "previous");
  });

  test("no candidate → unscheduled group naming the selectors", () => {
    const r = scheduleResource({ destinations: all, id: "x", promiseSelectors: [{ matchLabels: { env: "staging" } }] });
    assert.equal(r.unscheduled.length, 1);
    assert.equal(r.groups[0].destination, undefined);
    assert.equal(r.groups[0].reason, "unscheduled");
    assert.match(r.groups[0].message, /no destination matches selectors env=staging/);
    const strictOnly = scheduleResource({ destinations: [edge], id: "x" });
    assert.match(strictOnly.unscheduled[0].message, /\(no selectors\).*strict/);
  });
});

describe("validateDestinations", () => {
  test("accepts a good set", () => {
    assert.deepEqual(validateDestinations([dev1, dev2, { ...prod, path: "clusters/prod" }]), []);
  });
  test("names every problem with its path", () => {
    const issues = validateDestinations([
      d("Dev_1", {}),
      d("dev", { env: "dev" }),
      d("dev", { "bad key!": "x" }, { path: "other" }),
      d("x", { env: "has space" }, { path: "../etc" }),
      d("y", {}, { path: "dev" }),
      d("z", {}, { path: "dev/inner" }),
      { name: "w", labels: {}, stateStore: "" },
    ]);
    const at = (p: (string | number)[]) => issues.filter((i) => JSON.stringify(i.path) === JSON.stringify(p));
    assert.match(at([0, "name"])[0].message, /DNS-1123/);
    assert.match(at([2, "name"])[0].message, /already the name of destinations\[1\]/);
    assert.equal(at([2, "labels", "bad key!"]).length, 1);
    assert.equal(at([3, "labels", "env"]).length, 1);
    assert.match(at([3, "path"])[0].message, /DNS-1123 labels joined by/);
    assert.match(at([4, "path"])[0].message, /already the path of destinations\[1\]/);
    assert.match(at([5, "path"])[0].message, /nested/);
    assert.match(at([6, "stateStore"])[0].message, /must name the State Store/);
  });
});

describe("a removed destination", () => {
  const sel = [{ matchLabels: { env: "dev" } }];
  test("a group whose destination is gone moves to a matching one, and says from where", () => {
    const r = scheduleResource({ destinations: [dev2, prod], promiseSelectors: sel, previous: [{ destination: "dev-1" }], id: "ns/p/a" });
    assert.equal(r.groups[0].destination, "dev-2");
    assert.equal(r.groups[0].reason, "hashed");
    assert.match(r.groups[0].message, /moved from "dev-1" \(removed\)/);
  });
  test("with no matching destination left the group is unscheduled, naming the removed destination and the selectors", () => {
    const r = scheduleResource({ destinations: [prod], promiseSelectors: sel, previous: [{ destination: "dev-1" }], id: "ns/p/a" });
    assert.equal(r.unscheduled.length, 1);
    assert.match(r.groups[0].message, /destination "dev-1" was removed and no destination matches selectors env=dev/);
    const relabelled = scheduleResource({ destinations: [d("dev-1", { env: "test" })], promiseSelectors: sel, previous: [{ destination: "dev-1" }], id: "ns/p/a" });
    assert.match(relabelled.groups[0].message, /destination "dev-1" no longer matches/);
  });
});
