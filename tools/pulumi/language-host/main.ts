/**
 * Entry point of Plinth's `pulumi-language-nodejs` (installed next to the pinned CLI by
 * `npm run toolchain`). Started by the CLI as `pulumi-language-nodejs [-flags] <engine address>`: it
 * serves the LanguageRuntime service on 127.0.0.1 and prints the port as its first stdout line.
 */
import * as grpc from "@grpc/grpc-js";
import { NodeLanguageHost, langrpc } from "./server";

/** `-tracing=url`, `-root=dir`, other `-k=v`/`--k v` flags, then the engine address (last positional). */
export function parseHostArgs(argv: string[]): { engineAddress?: string; tracing?: string; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) {
      positional.push(a);
      continue;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    if (eq >= 0) flags[body.slice(0, eq)] = body.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("-") && body === "tracing") flags[body] = argv[++i];
    else flags[body] = "true";
  }
  return { engineAddress: positional[positional.length - 1], tracing: flags.tracing || undefined, flags };
}

async function main(): Promise<void> {
  const args = parseHostArgs(process.argv.slice(2));
  const host = new NodeLanguageHost({ engineAddress: args.engineAddress, tracing: args.tracing });
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(langrpc.LanguageRuntimeService, host.implementation());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.stdout.write(`${port}\n`);
  const stop = () => {
    host.killAll();
    server.forceShutdown();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`pulumi-language-nodejs: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
