/**
 * `npm start`: the embedded local platform. Builds the pinned toolchain if needed, runs `pulumi up` of
 * the `local` stack (Pulumi.local.yaml) with progress, serves the Git State Store and the request API on
 * 127.0.0.1:${PLINTH_PORT:-8080}, prints what it made and runs until interrupted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureToolchain } from "../tools/pulumi/ensure";
import { resolveRuntimeConfig } from "./runtime-config";
import { redactUrl } from "../service/shared/errors";
import { LocalPlatform, type PlatformOutputs } from "./local-platform/local-platform";
import type { EngineEvent } from "../service/engine";
import { clusterBinaryResolver, ensureClusterBinaries } from "../tools/cluster/binaries";
import { ensureFluxCrds } from "../tools/cluster/flux-crds";
import { LocalCluster } from "../destinations/local-cluster/cluster";
import { ensureUiBuilt } from "../service/ui/build";
import { defaultNamespace, kubeconfigFor } from "../service/kube/kubeconfig";
import { startFailure } from "./start-failure";
import { createLogger, logSink } from "../service/log/logger";

/** The config with destination `name` as a `local-cluster` (added with `env: dev` when absent). */
export function withLocalCluster(raw: Record<string, unknown>, name: string): Record<string, unknown> {
  const list = Array.isArray(raw.destinations) ? (raw.destinations as Record<string, unknown>[]) : [];
  const found = list.some((d) => d.name === name);
  const destinations = found
    ? list.map((d) => (d.name === name ? { ...d, kind: "local-cluster" } : d))
    : [...list, { name, kind: "local-cluster", labels: { env: name } }];
  return { ...raw, destinations };
}

const root = path.resolve(__dirname, "..");
// The service log (service/log/logger.ts): pretty on a terminal, JSON lines otherwise or with PLINTH_LOG_FORMAT=json.
const logger = (() => {
  try {
    return createLogger();
  } catch (err) {
    process.stderr.write(`plinth: ${(err as Error).message}\n`);
    process.exit(1);
  }
})();
const log = logSink(logger);


function progress(started: number): (e: EngineEvent) => void {
  return (e) => {
    const m = e.resOutputsEvent?.metadata;
    if (m && m.op !== "same" && m.type !== "pulumi:pulumi:Stack") {
      log(`  [${((Date.now() - started) / 1000).toFixed(1)}s] ${m.op.padEnd(7)} ${m.type} ${m.urn.split("::").pop()}`);
    }
    const d = e.diagnosticEvent;
    if (d && d.severity === "error") log(`  error: ${d.message.trim()}`);
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withCluster = args.includes("--cluster") || process.env.PLINTH_CLUSTER === "1";
  const t0 = Date.now();
  // PLINTH_CONFIG (a settings file, or JSON as PlinthService sets it), PLINTH_TEAMS, shared mode: checked first.
  const runtime = resolveRuntimeConfig(process.env, root);
  const { stack, shared } = runtime;
  let raw = runtime.raw;
  const toolchain = await ensureToolchain({ root, log, allowPathCli: true });
  const dataDir = process.env.PLINTH_DATA_DIR ?? path.join(root, ".plinth");
  const port = Number(process.env.PLINTH_PORT ?? 8080);
  let cluster: LocalCluster | undefined;
  let platform: LocalPlatform | undefined;
  let stopping = false;
  // Ctrl-C during the platform `up` cancels it, so the CLI shuts its plugins down before we exit.
  const upAbort = new AbortController();
  let upRunning: Promise<PlatformOutputs> | undefined;
  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`\nplinth: ${signal}: stopping (${shared ? "running reconciles get 10 s, then their leases go back to the other replicas" : "finishing in-flight work is left to the next start"})`);
    if (upRunning) {
      upAbort.abort();
      await Promise.race([upRunning.catch(() => undefined), new Promise((r) => setTimeout(r, 30_000).unref())]);
    }
    try {
      await platform?.stop();
    } catch (err) {
      log(`plinth: stopping the platform: ${(err as Error).message}`);
    } finally {
      await cluster?.stop();
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  let kubeconfigFile: string | undefined;
  // The Kubernetes provider plugin: for a `--cluster` run, and after one (dropping Flux's objects from
  // the stack state, left in the stopped cluster's data, still loads the plugin).
  let pluginDir: string | undefined;
  if (withCluster) {
    // `dev` becomes a real local cluster: etcd + kube-apiserver + Flux's controllers as local processes.
    pluginDir = path.dirname((await ensureClusterBinaries({ root, log }))["kubernetes-provider"]);
    log("plinth: starting the local cluster for destination dev (logs in .plinth/cluster/dev/logs)");
    cluster = await LocalCluster.start({ binaries: clusterBinaryResolver(root), dir: path.join(dataDir, "cluster", "dev"), name: "dev", log: (l) => log(`  ${l}`) });
    kubeconfigFile = path.join(dataDir, "dev.kubeconfig");
    fs.writeFileSync(kubeconfigFile, cluster.kubeconfig, { mode: 0o600 });
    raw = withLocalCluster(raw, "dev");
  } else if (fs.existsSync(path.join(dataDir, "cluster"))) {
    pluginDir = path.dirname((await ensureClusterBinaries({ root, log, only: ["kubernetes-provider"] }))["kubernetes-provider"]);
  }
  // Flux's CRDs come from the toolchain step, never from the platform program: build them (once) here.
  if (withCluster || raw.clusters) await ensureFluxCrds({ root, log });
  await ensureUiBuilt(log);
  platform = await LocalPlatform.start({ dataDir, toolchain, port, stack, shared });
  if (shared) log(`plinth: shared mode: records, work queue and Pulumi state in ${redactUrl(shared.databaseUrl)}; secrets provider ${shared.secretsProvider}`);
  if (pluginDir) platform.addPluginDir(pluginDir);
  if (cluster) platform.attachCluster("dev", { kubeconfig: cluster.kubeconfig, client: cluster.client, pluginDir: pluginDir! });

  log(`plinth: pulumi up --stack ${stack} (state in ${shared ? "Postgres" : ".plinth/state"})`);
  const upStart = Date.now();
  let outputs;
  try {
    upRunning = platform.up(raw, { onEvent: progress(upStart), signal: upAbort.signal });
    outputs = await upRunning;
    upRunning = undefined;
  } catch (err) {
    upRunning = undefined;
    if (stopping) return; // interrupted: stop() finishes the exit
    log(`plinth: the platform stack failed:\n${(err as Error).message}`);
    await stop("error", 1);
    return;
  }
  log(`plinth: platform up in ${((Date.now() - upStart) / 1000).toFixed(1)} s`);
  if (cluster) {
    await cluster.startFlux({ concurrency: platform.config?.destinations.find((d) => d.kind === "local-cluster")?.flux?.concurrency });
    log("plinth: Flux (source-controller, kustomize-controller) is running against the local cluster");
  }
  const service = await platform.serve({ log: (line, fields) => log(`  ${line}`, fields) });
  // A `pulumi up --stack local` from the command line changes the registry of this running service.
  platform.follow({ log: (line) => log(`plinth: ${line}`) });
  fs.writeFileSync(path.join(dataDir, "url"), platform.url + "\n");
  // kubectl and app teams' Pulumi programs: the dev team's kubeconfig (holds its token: owner-only).
  const kubeconfig = path.join(dataDir, "kubeconfig");
  const devTeam = platform.config?.teams.find((t) => !t.token && !t.tokenSha256);
  fs.writeFileSync(kubeconfig, kubeconfigFor({ server: platform.httpsUrl, caPem: platform.caPem, token: platform.devToken, team: devTeam?.name ?? "dev", namespace: defaultNamespace(devTeam?.namespaces ?? []) }), { mode: 0o600 });
  fs.chmodSync(kubeconfig, 0o600);
  const resumed = service.queueDepth();

  const out = process.stdout;
  out.write(`\nPlinth is running at ${platform.url}  (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n\n`);
  out.write(`State Store   ${outputs.stateStore.url}  (branch ${outputs.stateStore.branch})\n`);
  if (!shared) out.write(`  clone:      git clone http://${platform.gitUser}:$(cat .plinth/git-password)@${platform.url.slice("http://".length)}/git/${outputs.stateStore.name}.git\n`);
  out.write(`Destinations  ${outputs.destinations.map((d) => `${d.name} {${Object.entries(d.labels).map(([k, v]) => `${k}: ${v}`).join(", ")}}`).join(", ")}\n`);
  out.write(`Promises      ${outputs.promises.map((p) => `${p.name}@${p.version} (${p.apiVersion} ${p.kind})`).join(", ")}\n`);
  const requests = await service.list({}, { caller: { team: "platform", namespaces: "*" } });
  out.write(`Requests      ${requests.length} stored (${resumed} unfinished, resumed)\n`);
  if (cluster && kubeconfigFile) {
    const rel = path.relative(process.cwd(), kubeconfigFile) || kubeconfigFile;
    out.write(`Cluster       dev: ${cluster.server} (kube-apiserver v1.37.2 + Flux), kubeconfig ${rel}\n`);
    out.write(`  kubectl --kubeconfig ${rel} get kustomizations -n flux-system\n`);
  }
  const portal = platform.portalLink();
  out.write(`Web portal    ${portal ?? `${platform.url}/ui/`}\n`);
  out.write(`  (${portal ? "a one-time sign-in link for the dev token's team; " : ""}\`npx plinth ui\` prints a sign-in link for your token)\n`);
  const kubeRel = path.relative(process.cwd(), kubeconfig) || kubeconfig;
  out.write(`Kubeconfig    ${kubeRel} (team ${devTeam?.name ?? "dev"})\n`);
  out.write(`\nTry it (token in .plinth/token):\n`);
  out.write(`  KUBECONFIG=${kubeRel} kubectl apply -f test/fixtures/kratix/redis.yaml && KUBECONFIG=${kubeRel} kubectl get redis\n`);
  out.write(`  npx plinth promises\n`);
  out.write(`  curl -H "Authorization: Bearer $(cat .plinth/token)" -H 'content-type: application/yaml' \\\n`);
  out.write(`       --data-binary @test/fixtures/requests/team-namespace.yaml ${platform.url}/v1/requests\n`);
  out.write(`  npx plinth get -w teamnamespace team-a\n\nPress Ctrl-C to stop.\n`);
}

if (require.main === module) {
  main().catch((err) => {
    const dataDir = process.env.PLINTH_DATA_DIR ?? path.join(root, ".plinth");
    logger.error(startFailure(err, { port: Number(process.env.PLINTH_PORT ?? 8080), host: "127.0.0.1", dataDir }));
    process.exit(1);
  });
}
