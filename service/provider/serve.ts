/**
 * Serving the `plinth` provider inside the calling process. `@pulumi/pulumi/provider`'s `main()` starts a
 * gRPC server on 127.0.0.1 and prints its port; we capture that line (instead of letting it reach stdout)
 * and the server instance (so it can be shut down). Engine runs attach to the port through
 * `PULUMI_DEBUG_PROVIDERS=plinth:<port>`.
 */
import * as grpc from "@grpc/grpc-js";
import * as providerSdk from "@pulumi/pulumi/provider";
import type { PlinthProvider } from "./provider";

let serving: Promise<{ port: number; server: grpc.Server }> | undefined;

/** Starts serving `provider` in this process (once per process: the SDK allows one) and returns its port. */
export async function serveInProcess(provider: PlinthProvider): Promise<number> {
  serving ??= (async () => {
    const originalLog = console.log;
    const originalBind = grpc.Server.prototype.bindAsync;
    let captured: string | undefined;
    let server: grpc.Server | undefined;
    console.log = (...args: unknown[]) => {
      if (captured === undefined && args.length === 1 && /^\d+$/.test(String(args[0]))) captured = String(args[0]);
      else originalLog(...args);
    };
    grpc.Server.prototype.bindAsync = function (this: grpc.Server, ...args: Parameters<grpc.Server["bindAsync"]>) {
      server = this;
      return originalBind.apply(this, args);
    };
    try {
      await providerSdk.main(provider, []);
    } finally {
      console.log = originalLog;
      grpc.Server.prototype.bindAsync = originalBind;
    }
    if (!captured || !server) throw new Error("the plinth provider did not report its port");
    return { port: Number(captured), server };
  })();
  return (await serving).port;
}

/** Stops the in-process provider server so the process can exit. */
export async function stopInProcess(): Promise<void> {
  if (!serving) return;
  const { server } = await serving;
  server.forceShutdown();
}
