import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { recordResources, runProgram } from "../../support/mocks";
import { OnPremDestination } from "../../../destinations/onprem";
import { rewriteK3sKubeconfig, shellQuote } from "../../../destinations/onprem/builders";
import { ValidationError } from "../../../components/errors";
import { fluxCrds } from "../flux/crds";
import { cloudState, FAKE_CLIENT_KEY_B64, FAKE_K3S_TOKEN, K3S_YAML } from "./cloud-state";
import { isSecretValue, unwrapSecret } from "./secret-value";

const rec = recordResources({ state: cloudState });
beforeEach(() => rec.clear());

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nfake-key\n-----END OPENSSH PRIVATE KEY-----\n";
const stateStore = { url: "https://git.example/store.git", branch: "main", path: "clusters", username: "flux", password: "token" };
const onprem = { hosts: ["192.0.2.10", "192.0.2.11", "192.0.2.12"], user: "ubuntu", privateKey: KEY, k3sVersion: "v1.33.5+k3s1" };

describe("OnPremDestination", () => {
  test("installs the k3s server and agents over SSH, fetches the kubeconfig as a secret, bootstraps Flux", async () => {
    const crds = await fluxCrds();
    let dest: OnPremDestination | undefined;
    const out = await runProgram(() => {
      dest = new OnPremDestination("edge", { registration: { name: "edge", labels: { location: "edge" }, path: "edge/amsterdam-1" }, onprem, stateStore, flux: { interval: "5m" }, fluxCrds: crds });
      return { kubeconfig: dest.kubeconfig };
    });
    const cmds = rec.ofType("command:remote:Command");
    assert.deepEqual(cmds.map((c) => c.name).sort(), ["edge-agent-0", "edge-agent-1", "edge-join-token", "edge-kubeconfig", "edge-server"]);
    const byName = (n: string) => cmds.find((c) => c.name === n)!.inputs;

    // every connection: the right host, user, port, and the key as a secret
    const hosts = Object.fromEntries(cmds.map((c) => [c.name, unwrapSecret<any>(c.inputs.connection).host]));
    assert.deepEqual(hosts, { "edge-server": "192.0.2.10", "edge-join-token": "192.0.2.10", "edge-kubeconfig": "192.0.2.10", "edge-agent-0": "192.0.2.11", "edge-agent-1": "192.0.2.12" });
    for (const c of cmds) {
      assert.equal(isSecretValue(c.inputs.connection), true, `${c.name}: connection (holding the key) is secret`);
      const conn = unwrapSecret<any>(c.inputs.connection);
      assert.equal(conn.user, "ubuntu");
      assert.equal(conn.port, 22);
      assert.equal(unwrapSecret(conn.privateKey), KEY);
      assert.ok(!String(c.inputs.create).includes("fake-key"), "the key never appears in a command line");
    }
    const server = byName("edge-server");
    assert.match(server.create, /curl -sfL https:\/\/get\.k3s\.io \| INSTALL_K3S_VERSION='v1\.33\.5\+k3s1' INSTALL_K3S_EXEC='server --tls-san 192\.0\.2\.10 /);
    assert.match(server.delete, /k3s-uninstall\.sh/);
    const agent = byName("edge-agent-0");
    assert.match(agent.create, /^read -r K3S_TOKEN && export K3S_TOKEN && curl .* K3S_URL='https:\/\/192\.0\.2\.10:6443' .* sh -s - agent/);
    assert.ok(!agent.create.includes(FAKE_K3S_TOKEN), "the join token is not in the command line");
    assert.equal(isSecretValue(agent.stdin), true);
    assert.equal(unwrapSecret(agent.stdin), `${FAKE_K3S_TOKEN}\n`);
    assert.equal(byName("edge-join-token").logging, "none");
    assert.match(byName("edge-kubeconfig").create, /cat '\/etc\/rancher\/k3s\/k3s\.yaml'/);

    assert.equal(await pulumi.isSecret(dest!.kubeconfig), true);
    const kc = parse(out.kubeconfig);
    assert.equal(kc.clusters[0].cluster.server, "https://192.0.2.10:6443");
    assert.equal(kc.users[0].user["client-key-data"], FAKE_CLIENT_KEY_B64);
    assert.equal(kc["current-context"], "k3s-edge");

    assert.deepEqual(dest!.destination, { name: "edge", labels: { location: "edge" }, path: "edge/amsterdam-1", strictMatchLabels: false, stateStore: "default" });
    assert.deepEqual(dest!.agents, ["192.0.2.11", "192.0.2.12"]);
    const ks = rec.ofType("kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization");
    assert.deepEqual(ks.map((k) => [k.inputs.metadata.name, k.inputs.spec.path, k.inputs.spec.interval, k.inputs.spec.sourceRef.name]).sort(), [
      ["edge-dependencies", "./clusters/edge/amsterdam-1/dependencies", "5m", "edge-dependencies"],
      ["edge-resources", "./clusters/edge/amsterdam-1/flux", "5m", "edge-resources"],
    ]);
    // Isolated revisions by default: the index and the dependencies each follow their own scope branch.
    assert.deepEqual(rec.ofType("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository").map((r) => [r.inputs.metadata.name, r.inputs.spec.ref.branch]).sort(), [
      ["edge-dependencies", "plinth/clusters/edge/amsterdam-1/dependencies"],
      ["edge-resources", "plinth/clusters/edge/amsterdam-1/flux/index"],
      ["plinth-state-store", "main"],
    ]);
  });

  test("a single host runs only the server", async () => {
    const crds = await fluxCrds();
    await runProgram(() => new OnPremDestination("solo", { registration: { name: "solo" }, onprem: { ...onprem, hosts: ["edge-1.example"] }, stateStore, fluxCrds: crds }).destination);
    assert.deepEqual(rec.ofType("command:remote:Command").map((c) => c.name).sort(), ["solo-join-token", "solo-kubeconfig", "solo-server"]);
  });

  test("an empty host list, a missing user or key fail naming the key, before any resource", async () => {
    const crds = await fluxCrds();
    assert.throws(
      () => new OnPremDestination("e", { registration: { name: "e" }, onprem: { ...onprem, hosts: [], user: "" }, stateStore, fluxCrds: crds }),
      (e: ValidationError) => {
        assert.deepEqual(e.issues.map((i) => i.path.join(".")).sort(), ["onprem.hosts", "onprem.user"]);
        assert.match(e.message, /onprem\.hosts: must list at least one SSH host/);
        return true;
      },
    );
    const { privateKey: _k, ...noKey } = onprem;
    assert.throws(() => new OnPremDestination("e", { registration: { name: "e" }, onprem: noKey as typeof onprem, stateStore, fluxCrds: crds }), /onprem\.privateKey: is required/);
    assert.equal(rec.resources.length, 0);
  });

  test("kubeconfig rewrite and shell quoting", () => {
    const kc = parse(rewriteK3sKubeconfig(K3S_YAML, "2001:db8::1", "edge"));
    assert.equal(kc.clusters[0].cluster.server, "https://[2001:db8::1]:6443");
    assert.throws(() => rewriteK3sKubeconfig("", "h", "n"), /has no clusters; is k3s running there/);
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});
