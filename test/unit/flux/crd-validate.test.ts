import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { validateAgainstSchema, validateCustomResource, type JsonSchema } from "../../../components/flux/crd-validate";
import { fluxCrds } from "./crds";

const schema: JsonSchema = {
  type: "object",
  required: ["spec"],
  properties: {
    spec: {
      type: "object",
      required: ["url"],
      properties: {
        url: { type: "string", pattern: "^https?://" },
        mode: { type: "string", enum: ["a", "b"] },
        count: { type: "integer", minimum: 1 },
        port: { "x-kubernetes-int-or-string": true },
        tags: { type: "array", items: { type: "string" }, maxItems: 2 },
        extra: { type: "object", additionalProperties: { type: "string" } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    },
  },
};

describe("validateAgainstSchema", () => {
  test("accepts a conforming object", () => {
    const ok = { spec: { url: "https://x", mode: "a", count: 2, port: "http", tags: ["t"], extra: { k: "v" }, free: { any: { thing: 1 } } } };
    assert.deepEqual(validateAgainstSchema(schema, ok), []);
  });

  test("reports types, required, enums, patterns, bounds and unknown fields with their paths", () => {
    const bad = { spec: { mode: "c", count: 0, port: 1.5, tags: ["a", "b", 3], extra: { k: 1 }, unknown: true, url: "ftp://x" } };
    const got = validateAgainstSchema(schema, bad).map((i) => `${i.path}: ${i.message}`);
    assert.deepEqual(got.sort(), [
      "spec.count: must be >= 1",
      "spec.extra.k: must be string, got integer",
      "spec.mode: must be one of \"a\", \"b\"",
      "spec.port: must be int-or-string, got number",
      "spec.tags: must have at most 2 items",
      "spec.tags[2]: must be string, got integer",
      "spec.unknown: is not a field of this API (unknown fields are pruned)",
      "spec.url: must match ^https?://",
    ].sort());
    assert.deepEqual(validateAgainstSchema(schema, {}), [{ path: "spec", message: "is required" }]);
  });
});

describe("generated Flux CRDs", () => {
  test("controller-gen produced the v1 toolkit APIs with their schemas", async () => {
    const crds = await fluxCrds();
    const names = crds.map((c) => c.metadata.name);
    for (const n of ["gitrepositories.source.toolkit.fluxcd.io", "kustomizations.kustomize.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io", "helmrepositories.source.toolkit.fluxcd.io"]) {
      assert.ok(names.includes(n), `${n} generated`);
    }
    const git = crds.find((c) => c.metadata.name === "gitrepositories.source.toolkit.fluxcd.io")!;
    const v1 = git.spec.versions.find((v) => v.name === "v1")!;
    assert.equal(v1.storage, true);
    assert.deepEqual(v1.schema?.openAPIV3Schema.properties?.spec?.required?.sort(), ["interval", "url"]);
    assert.equal(git.metadata.annotations?.["controller-gen.kubebuilder.io/version"], "v0.23.0");
  });

  test("a GitRepository missing url and with a bad ref is rejected by the real schema", async () => {
    const crds = await fluxCrds();
    const issues = validateCustomResource(crds, {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "x" },
      spec: { interval: "1m", ref: { branch: 3 }, secretRef: {} },
    });
    const paths = issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ["spec.ref.branch", "spec.secretRef.name", "spec.url"]);
    assert.match(validateCustomResource(crds, { apiVersion: "source.toolkit.fluxcd.io/v9", kind: "GitRepository", metadata: { name: "x" } })[0].message, /serves no version v9/);
  });
});
