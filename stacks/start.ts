/**
 * `npm start`: the embedded local platform. Builds the pinned toolchain if needed, runs `pulumi up` of
 * the `local` stack (Pulumi.local.yaml) with progress, serves the Git State Store and the request API on
 * 127.0.0.1:${PLINTH_PORT:-8080}, prints what it made and runs until interrupted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureToolchain } from "../tools/pulumi/ensure";
import { readStackConfig } from "./stack-config";
import { LocalPlatform } from "../service/platform/local-platform";
import type { EngineEvent } from "../service/engine";

const root = path.resolve(__dirname, "..");
const log = (line: string): void => void process.stderr.write(`${line}\n`);


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
  if (args.includes("--cluster") || process.env.PLINTH_CLUSTER === "1") {
    log("plinth: --cluster (a local kube-apiserver + Flux destination) is not built yet; starting without it.");
  }
  const t0 = Date.now();
  const toolchain = await ensureToolchain({ root, log, allowPathCli: true });
  const dataDir = process.env.PLINTH_DATA_DIR ?? path.join(root, ".plinth");
  const port = Number(process.env.PLINTH_PORT ?? 8080);
  const stack = process.env.PLINTH_STACK ?? "local";
  const raw = readStackConfig(path.join(root, `Pulumi.${stack}.yaml`));
  const platform = await LocalPlatform.start({ dataDir, toolchain, port, stack });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`\nplinth: ${signal}: stopping (finishing in-flight work is left to the next start)`);
    await platform.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  log(`plinth: pulumi up --stack ${stack} (state in .plinth/state)`);
  const upStart = Date.now();
  let outputs;
  try {
    outputs = await platform.up(raw, { onEvent: progress(upStart) });
  } catch (err) {
    log(`plinth: the platform stack failed:\n${(err as Error).message}`);
    await platform.stop();
    process.exit(1);
  }
  log(`plinth: platform up in ${((Date.now() - upStart) / 1000).toFixed(1)} s`);
  const service = await platform.serve({ log: (line) => log(`  ${line}`) });
  fs.writeFileSync(path.join(dataDir, "url"), platform.url + "\n");
  const resumed = service.queueDepth();

  const out = process.stdout;
  out.write(`\nPlinth is running at ${platform.url}  (ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n\n`);
  out.write(`State Store   ${outputs.stateStore.url}  (branch ${outputs.stateStore.branch})\n`);
  out.write(`  clone:      git clone http://${platform.gitUser}:$(cat .plinth/git-password)@${platform.url.slice("http://".length)}/git/${outputs.stateStore.name}.git\n`);
  out.write(`Destinations  ${outputs.destinations.map((d) => `${d.name} {${Object.entries(d.labels).map(([k, v]) => `${k}: ${v}`).join(", ")}}`).join(", ")}\n`);
  out.write(`Promises      ${outputs.promises.map((p) => `${p.name}@${p.version} (${p.apiVersion} ${p.kind})`).join(", ")}\n`);
  const requests = await service.list({}, { caller: { team: "platform", namespaces: "*" } });
  out.write(`Requests      ${requests.length} stored (${resumed} unfinished, resumed)\n`);
  out.write(`\nTry it (token in .plinth/token):\n`);
  out.write(`  npx plinth promises\n`);
  out.write(`  curl -H "Authorization: Bearer $(cat .plinth/token)" -H 'content-type: application/yaml' \\\n`);
  out.write(`       --data-binary @test/fixtures/requests/team-namespace.yaml ${platform.url}/v1/requests\n`);
  out.write(`  npx plinth get -w teamnamespace team-a\n\nPress Ctrl-C to stop.\n`);
}

if (require.main === module) {
  main().catch((err) => {
    log(`plinth: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
