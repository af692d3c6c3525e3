import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { catalogue, catalogueEntry } from "../../../promises/marketplace";
import { apiVersionOf, missingRequiredPromises, validatePromiseDefinition } from "../../../components/promise";

describe("marketplace catalogue", () => {
  test("lists every marketplace Promise with its name, version, description and category", () => {
    assert.deepEqual(catalogue.map((e) => `${e.name}@${e.version}:${e.category}`), [
      "namespace@0.1.0:tenancy", "jenkins@0.1.0:ci-cd", "postgresql@0.1.0:database", "redis@0.1.0:cache", "nginx-ingress@0.1.0:networking", "web-app@0.1.0:golden-path",
    ]);
    for (const e of catalogue) {
      assert.equal(e.name, e.promise.name);
      assert.equal(e.version, e.promise.version);
      assert.ok(e.description.length > 10, `${e.name} needs a description`);
      assert.deepEqual(validatePromiseDefinition(e.promise), [], e.name);
    }
  });

  test("names and APIs are unique; each compound Promise's requirements come earlier in the catalogue", () => {
    assert.equal(new Set(catalogue.map((e) => e.name)).size, catalogue.length);
    assert.equal(new Set(catalogue.map((e) => `${apiVersionOf(e.promise)}/${e.promise.api.kind}`)).size, catalogue.length);
    catalogue.forEach((e, i) => assert.deepEqual(missingRequiredPromises(e.promise, catalogue.slice(0, i).map((x) => x.name)), [], e.name));
    assert.equal(catalogueEntry("redis")!.promise.api.kind, "redis");
    assert.equal(catalogueEntry("nope"), undefined);
  });
});
