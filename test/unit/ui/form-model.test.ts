import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import {
  compact,
  fieldId,
  fieldKeys,
  fieldOf,
  fromObject,
  initialValue,
  issuesByField,
  issuesOf,
  parseNumberInput,
  pathKey,
  removeAt,
  renameKey,
  setAt,
} from "../../../service/ui/app/form-model";
import { marketplace } from "../../../promises";
import { jsonSchemaOf } from "../../../components/promise/schema";

const spec = z.object({
  name: z.string(),
  replicas: z.number().int().min(1).default(2),
  ratio: z.number().optional(),
  debug: z.boolean().default(false),
  env: z.enum(["dev", "prod"]).default("dev"),
  tier: z.enum(["a", "b"]).optional(),
  service: z.object({ port: z.number().int().default(80), host: z.string().optional() }).default({ port: 80 }),
  tls: z.object({ secretName: z.string() }).optional(),
  plugins: z.array(z.object({ name: z.string(), version: z.string().optional() })).default([]),
  labels: z.record(z.string(), z.string()).default({}),
});
const schema = z.toJSONSchema(spec, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;

test("schema → field tree: kinds, required, defaults, enums, nested objects, arrays, maps", () => {
  const root = fieldOf(schema);
  assert.equal(root.kind, "object");
  const by = Object.fromEntries(root.properties!.map((f) => [f.name, f]));
  assert.deepEqual([by.name.kind, by.name.required], ["string", true]);
  assert.deepEqual([by.replicas.kind, by.replicas.default, by.replicas.minimum, by.replicas.required], ["integer", 2, 1, false]);
  assert.equal(by.ratio.kind, "number");
  assert.deepEqual([by.debug.kind, by.debug.default], ["boolean", false]);
  assert.deepEqual([by.env.kind, by.env.options, by.env.default], ["enum", ["dev", "prod"], "dev"]);
  assert.equal(by.service.kind, "object");
  assert.deepEqual(by.service.properties!.map((p) => p.name), ["port", "host"]);
  assert.equal(by.tls.properties![0].required, true);
  assert.equal(by.plugins.kind, "array");
  assert.equal(by.plugins.item!.kind, "object");
  assert.equal(by.labels.kind, "map");
  assert.equal(by.labels.item!.kind, "string");
  assert.equal(fieldOf({}).kind, "json", "unknown shapes are edited as JSON");
});

test("every Marketplace Promise's schema becomes a form without JSON fallbacks", () => {
  for (const p of Object.values(marketplace)) {
    const root = fieldOf(jsonSchemaOf(p as never));
    const kinds: string[] = [];
    const walk = (f: ReturnType<typeof fieldOf>): void => {
      kinds.push(f.kind);
      f.properties?.forEach(walk);
      if (f.item) walk(f.item);
    };
    walk(root);
    assert.ok(!kinds.includes("json"), `${p.name}: ${kinds.join(",")}`);
  }
});

test("initial value: defaults and required fields, optional ones left out; compact drops what was left empty", () => {
  const root = fieldOf(schema);
  const v = initialValue(root);
  assert.deepEqual(v, { name: "", replicas: 2, debug: false, env: "dev", service: { port: 80 }, plugins: [], labels: {} });
  const edited = setAt(setAt(v, ["tls", "secretName"], ""), ["service", "host"], "");
  assert.deepEqual(compact(root, edited), { name: "", replicas: 2, debug: false, env: "dev", service: { port: 80 }, plugins: [], labels: {} });
  assert.deepEqual((compact(root, setAt(v, ["tls", "secretName"], "s")) as { tls: unknown }).tls, { secretName: "s" });
});

test("edits by path are immutable: set, array rows add/remove, map keys add/rename/remove", () => {
  const v0 = { plugins: [{ name: "a" }], labels: { x: "1" } };
  const v1 = setAt(v0, ["plugins", 1], { name: "b" });
  assert.deepEqual(v0.plugins, [{ name: "a" }], "unchanged");
  assert.deepEqual((v1 as typeof v0).plugins, [{ name: "a" }, { name: "b" }]);
  assert.deepEqual((removeAt(v1, ["plugins", 0]) as typeof v0).plugins, [{ name: "b" }]);
  const v2 = setAt(v0, ["labels", "y"], "2");
  assert.deepEqual(Object.keys((renameKey(v2, ["labels"], "x", "z") as typeof v0).labels), ["z", "y"], "order kept");
  assert.equal(renameKey(v2, ["labels"], "x", "y"), v2, "no rename onto an existing key");
  assert.deepEqual((removeAt(v2, ["labels", "x"]) as typeof v0).labels, { y: "2" });
  assert.deepEqual(setAt({ a: 1, b: 2 }, ["a"], undefined), { b: 2 });
});

test("number inputs: numbers, empty = unset, other text kept for the API to reject", () => {
  assert.equal(parseNumberInput(" 42 "), 42);
  assert.equal(parseNumberInput(""), undefined);
  assert.equal(parseNumberInput("4x"), "4x");
});

test("422 issues land on their field, or the closest one, or above the form", () => {
  const root = fieldOf(schema);
  const value = { ...initialValue(root), plugins: [{ name: "a" }], labels: { "bad key": "v" } };
  const known = fieldKeys(root, value, ["spec"]);
  known.add(pathKey(["metadata", "name"]));
  assert.ok(known.has(pathKey(["spec", "plugins", 0, "name"])) && known.has(pathKey(["spec", "labels", "bad key"])));
  const issues = issuesOf({
    issues: [
      { path: ["spec", "plugins", 0, "name"], message: "bad name" },
      { path: ["metadata", "name"], message: "must be a DNS label" },
      { path: ["spec", "labels", "bad key"], message: "bad key" },
      { path: ["spec", "service", "port", "deep"], message: "deep" },
      { path: ["apiVersion"], message: "wrong apiVersion" },
    ],
  });
  const by = issuesByField(issues, known);
  assert.deepEqual(by.get(pathKey(["spec", "plugins", 0, "name"])), ["bad name"]);
  assert.deepEqual(by.get(pathKey(["metadata", "name"])), ["must be a DNS label"]);
  assert.deepEqual(by.get(pathKey(["spec", "labels", "bad key"])), ["bad key"]);
  assert.deepEqual(by.get(pathKey(["spec", "service", "port"])), ["deep"]);
  assert.deepEqual(by.get(""), ["wrong apiVersion"]);
  assert.deepEqual(issuesOf(null), []);
  assert.deepEqual(issuesOf({ issues: [{ path: "x" }] }), []);
});

test("ids are DOM-safe and distinct; YAML objects map back to metadata and spec", () => {
  assert.equal(fieldId(["spec", "labels", "a b"]), "f-spec-labels-a_20b");
  assert.notEqual(fieldId(["a.b"]), fieldId(["a", "b"]));
  assert.deepEqual(fromObject({ metadata: { name: "x" }, spec: { a: 1 } }), { name: "x", namespace: "", spec: { a: 1 } });
  assert.deepEqual(fromObject([]), { error: "the YAML must be one object with apiVersion, kind, metadata and spec" });
  assert.deepEqual(fromObject({ spec: 3 }), { error: "spec must be an object" });
});
