import { test } from "node:test";
import assert from "node:assert/strict";
import { href, parseRoute, type Route } from "../../../service/ui/app/router";

test("portal hash routes parse and format both ways", () => {
  const routes: Route[] = [
    { page: "catalog" },
    { page: "new", promise: "redis" },
    { page: "requests", namespace: "default", kind: "redis" },
    { page: "requests", namespace: undefined, kind: undefined },
    { page: "detail", namespace: "default", kind: "redis", name: "cache-a" },
    { page: "edit", namespace: "default", kind: "redis", name: "cache-a" },
    { page: "destinations" },
  ];
  for (const r of routes) assert.deepEqual(parseRoute(href(r)), r);
  assert.deepEqual(parseRoute("#/signin?code=abc"), { page: "signin", code: "abc" });
  assert.deepEqual(parseRoute(""), { page: "catalog" });
  assert.equal(parseRoute("#/nope/x").page, "notfound");
});
