/**
 * The client-node source's watch against a scripted API server on 127.0.0.1 (real HTTP, chunked watch
 * streams): list then watch from the list's resourceVersion, resume from the last resourceVersion seen
 * when a watch ends, re-list on `410 Gone`, and serve reads from what the watch saw.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { kubeStatusSource } from "../../../components/flux/kube-status";

const ks = (name: string, rv: string, ready: string) => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace: "flux-system", resourceVersion: rv },
  status: { conditions: [{ type: "Ready", status: ready, reason: ready === "True" ? "ReconciliationSucceeded" : "Progressing", message: "" }], lastAppliedRevision: `main@sha1:${"a".repeat(40)}` },
});

describe("kubeStatusSource.watch", () => {
  let server: http.Server;
  let kubeconfig: string;
  const requests: { path: string; query: URLSearchParams }[] = [];
  let watchCalls = 0;
  let gets = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      requests.push({ path: url.pathname, query: url.searchParams });
      const json = (body: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (url.pathname.endsWith("/kustomizations/dev-a")) return void (gets++, json(ks("dev-a", "5", "True")));
      if (!url.pathname.endsWith("/kustomizations")) return void res.writeHead(404).end();
      if (url.searchParams.get("watch") !== "true") return json({ kind: "KustomizationList", metadata: { resourceVersion: requests.filter((r) => r.path.endsWith("/kustomizations") && r.query.get("watch") !== "true").length === 1 ? "10" : "30" }, items: [ks("dev-a", "9", "Unknown")] });
      watchCalls++;
      res.writeHead(200, { "content-type": "application/json" });
      const send = (type: string, object: unknown) => res.write(JSON.stringify({ type, object }) + "\n");
      if (watchCalls === 1) {
        // From the list's version: one change, then the server ends the watch (its timeout).
        send("MODIFIED", ks("dev-a", "11", "True"));
        setTimeout(() => res.end(), 50);
      } else if (watchCalls === 2) {
        // Resumed from 11; then the version is too old (compacted): 410 Gone.
        send("ERROR", { kind: "Status", code: 410, reason: "Expired", message: "too old resource version: 11 (25)" });
        setTimeout(() => res.end(), 20);
      } else {
        send("ADDED", ks("dev-b", "31", "True"));
        send("BOOKMARK", { kind: "Kustomization", metadata: { resourceVersion: "40" } });
        // Held open until the test ends.
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    kubeconfig = JSON.stringify({
      apiVersion: "v1",
      clusters: [{ name: "c", cluster: { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    });
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it("lists, watches, resumes from the last resourceVersion, re-lists on 410, and reads from what it saw", async () => {
    const source = kubeStatusSource({ destination: "dev", kubeconfig });
    // Without a watch, reads go to the API server.
    assert.equal((await source.readKustomization("dev-a"))?.ready?.status, "True");
    assert.equal(gets, 1);
    const seen: (string | undefined)[] = [];
    const stop = source.watch((n) => seen.push(n));
    try {
      for (let i = 0; i < 200 && !seen.includes("dev-b"); i++) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual(seen, [undefined, "dev-a", undefined, "dev-b"], "list, change, re-list after 410, change");
      const watches = requests.filter((r) => r.query.get("watch") === "true");
      assert.deepEqual(
        watches.map((r) => r.query.get("resourceVersion")),
        ["10", "11", "30"],
        "from the list's version, then resumed from the last event's, then from the new list's",
      );
      for (const w of watches) {
        assert.equal(w.query.get("labelSelector"), "plinth.dev/destination=dev");
        assert.equal(w.query.get("allowWatchBookmarks"), "true");
        assert.equal(w.path, "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations");
      }
      assert.deepEqual(source.stats(), { events: 2, restarts: 2, lists: 2 });
      // Reads come from the watch's cache now: no GET.
      assert.equal((await source.readKustomization("dev-b"))?.ready?.status, "True");
      assert.equal(await source.readKustomization("dev-zzz"), undefined);
      assert.equal(gets, 1);
    } finally {
      stop();
      source.close();
    }
  });
});
