import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ValidationError } from "../../../components/errors";
import { cidrsOverlap, formatKeyPath, parseCidr, parseTopologyConfig, topologyConfigIssues } from "../../../destinations/cluster-config";

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "fixtures", "easyeaty.config.json"), "utf8"));
const clone = () => structuredClone(fixture);
/** `key.path: message` of every issue. */
const issues = (cfg: unknown) => topologyConfigIssues(cfg).map((i) => `${formatKeyPath(i.path)}: ${i.message}`);

describe("CIDR helpers", () => {
  test("parse and overlap", () => {
    assert.deepEqual(parseCidr("10.0.0.0/16"), { text: "10.0.0.0/16", start: 167772160, end: 167837695 });
    assert.equal(parseCidr("10.0.0.1/16"), undefined, "host bits set");
    assert.equal(parseCidr("10.0.0.0/33"), undefined);
    assert.equal(parseCidr("300.0.0.0/8"), undefined);
    assert.equal(cidrsOverlap(parseCidr("10.0.0.0/16")!, parseCidr("10.0.255.0/24")!), true);
    assert.equal(cidrsOverlap(parseCidr("10.0.0.0/16")!, parseCidr("10.1.0.0/16")!), false);
  });
});

describe("topology config validation", () => {
  test("the EasyEaty config is valid and gets its defaults", () => {
    assert.deepEqual(issues(fixture), []);
    const cfg = parseTopologyConfig(fixture);
    assert.equal(cfg.destinations[2].gke?.nodePool.machineType, "e2-standard-4");
    assert.equal(cfg.destinations[3].onprem?.port, 22);
    assert.equal(cfg.destinations[0].flux.interval, "1m");
    assert.equal(cfg.destinations[3].flux.interval, "5m");
  });

  test("Flux settings per destination are validated and default to isolated revisions", () => {
    assert.equal(parseTopologyConfig(fixture).destinations[0].flux.isolated, true);
    const c = clone();
    c.destinations[0].flux = { interval: "1m", retryInterval: "soon", requestTimeout: "3m", concurrency: { kustomize: 0 }, pollEvery: "1m" };
    const got = issues(c);
    assert.ok(got.some((i) => /destinations\[0\]\.flux\.retryInterval: must be a Go duration/.test(i)), got.join("\n"));
    assert.ok(got.some((i) => /destinations\[0\]\.flux\.concurrency\.kustomize: must be at least 1/.test(i)), got.join("\n"));
    assert.ok(got.some((i) => /destinations\[0\]\.flux.*pollEvery/.test(i)), got.join("\n"));
    c.destinations[0].flux = { interval: "2m", requestInterval: "30m", concurrency: { source: 4, kustomize: 8 }, isolated: false };
    assert.deepEqual(issues(c), []);
    assert.deepEqual(parseTopologyConfig(c).destinations[0].flux.concurrency, { source: 4, kustomize: 8 });
  });

  test("a missing region or project names the key", () => {
    const c = clone();
    delete c.destinations[1].eks.region;
    delete c.destinations[2].gke.project;
    assert.deepEqual(issues(c), [
      "destinations[1].eks.region: is required: the AWS region, e.g. eu-west-1",
      "destinations[2].gke.project: is required: the GCP project id",
    ]);
    assert.throws(() => parseTopologyConfig(c), (e: ValidationError) => e instanceof ValidationError && e.status === 422 && /destinations\[1\]\.eks\.region: is required/.test(e.message));
  });

  test("node counts below 1 name the key", () => {
    const c = clone();
    c.destinations[1].eks.nodeGroup.desiredSize = 0;
    c.destinations[2].gke.nodePool.nodeCount = 0;
    const got = issues(c);
    assert.ok(got.includes("destinations[1].eks.nodeGroup.desiredSize: must be at least 1: the number of nodes"), got.join("\n"));
    assert.ok(got.includes("destinations[2].gke.nodePool.nodeCount: must be at least 1: nodes per zone"), got.join("\n"));
    const d = clone();
    d.destinations[1].eks.nodeGroup.desiredSize = 9;
    assert.deepEqual(issues(d), ["destinations[1].eks.nodeGroup.desiredSize: must be between minSize (3) and maxSize (6)"]);
  });

  test("an empty SSH host list names the key", () => {
    const c = clone();
    c.destinations[3].onprem.hosts = [];
    assert.deepEqual(issues(c), ["destinations[3].onprem.hosts: must list at least one SSH host (the first runs the k3s server)"]);
    const d = clone();
    d.destinations[3].onprem.hosts = ["10.0.0.1; rm -rf /"];
    assert.deepEqual(issues(d), ["destinations[3].onprem.hosts[0]: must be a host name or IP address"]);
  });

  test("CIDR overlaps within a destination and across destinations name both keys", () => {
    const c = clone();
    c.destinations[1].eks.subnetCidrs[1] = "10.1.8.0/21"; // inside subnetCidrs[0]
    c.destinations[1].eks.subnetCidrs[2] = "10.9.0.0/20"; // outside the VPC
    assert.deepEqual(issues(c), [
      "destinations[1].eks.subnetCidrs[1]: 10.1.8.0/21 overlaps subnetCidrs[0] 10.1.0.0/20",
      "destinations[1].eks.subnetCidrs[2]: 10.9.0.0/20 is not inside vpcCidr 10.1.0.0/16",
    ]);
    const d = clone();
    d.destinations[2].gke.podsCidr = "10.0.0.0/14"; // covers the platform and eks-prod VPCs
    d.destinations[2].gke.servicesCidr = "10.2.0.0/24"; // inside the GKE subnet
    assert.deepEqual(issues(d).sort(), [
      "destinations[2].gke.podsCidr: 10.0.0.0/14 overlaps destinations[0].eks.vpcCidr 10.0.0.0/16 (networks of destinations must not overlap)",
      "destinations[2].gke.podsCidr: 10.0.0.0/14 overlaps destinations[1].eks.vpcCidr 10.1.0.0/16 (networks of destinations must not overlap)",
      "destinations[2].gke.podsCidr: 10.0.0.0/14 overlaps destinations[2].gke.subnetCidr 10.2.0.0/20",
      "destinations[2].gke.servicesCidr: 10.2.0.0/24 overlaps destinations[2].gke.podsCidr 10.0.0.0/14",
      "destinations[2].gke.servicesCidr: 10.2.0.0/24 overlaps destinations[2].gke.subnetCidr 10.2.0.0/20",
    ]);
    const e = clone();
    e.destinations[1].eks.vpcCidr = "not-a-cidr";
    assert.deepEqual(issues(e), ["destinations[1].eks.vpcCidr: must be an IPv4 CIDR such as 10.0.0.0/16"]);
  });

  test("kind blocks, names, labels and paths are checked", () => {
    const c = clone();
    c.destinations[0].gke = c.destinations[2].gke;
    assert.deepEqual(issues(c)[0], "destinations[0].kind: platform needs exactly one of eks, gke or onprem to say how it is provisioned");
    const d = clone();
    delete d.destinations[1].eks;
    assert.deepEqual(issues(d), ["destinations[1].eks: is required for kind eks"]);
    const e = clone();
    e.destinations[2].name = "eks-prod";
    e.destinations[3].labels = { location: "edge site" };
    e.destinations[3].path = "../escape";
    assert.deepEqual(issues(e), [
      'destinations[2].name: "eks-prod" is already the name of destinations[1]',
      'destinations[2].path: "eks-prod" is already the path of destinations[1] in the same State Store',
      'destinations[3].labels.location: must be a label value: ≤ 63 alphanumerics, \'-\', \'_\' or \'.\', starting and ending alphanumeric',
      'destinations[3].path: "../escape" must be DNS-1123 labels joined by \'/\', e.g. "eu/edge-1"',
    ]);
    assert.deepEqual(issues({ stateStore: fixture.stateStore, destinations: [] }), ["destinations: must list at least one destination"]);
    const f = clone();
    delete f.stateStore.url;
    assert.deepEqual(issues(f), ["stateStore.url: is required: the State Store's Git URL"]);
  });
});
