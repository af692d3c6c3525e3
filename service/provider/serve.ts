/**
 * Serving the `plinth` provider inside the calling process. `@pulumi/pulumi/provider`'s `main()` starts a
 * gRPC server on 127.0.0.1 and prints its port; we capture that line (instead of letting it reach stdout)
 * and the server instance (so it can be shut down). Engine runs attach to the port through
 * `PULUMI_DEBUG_PROVIDERS=plinth:<port>`. Only the engine runs this process started are served (peer.ts):
 * any other caller gets `PERMISSION_DENIED` before the provider sees its call.
 */
import * as net from "node:net";
import * as grpc from "@grpc/grpc-js";
import * as providerSdk from "@pulumi/pulumi/provider";
import { enginePids } from "../engine/processes";
import { enginePeerGuard, type PeerGuard } from "./peer";
import type { PlinthProvider } from "./provider";

type AnyCall = { getPeer(): string; emit?(event: string, err: unknown): void };

const denied = (peer: string) => ({
  code: grpc.status.PERMISSION_DENIED,
  details: `the plinth provider serves only the engine runs of its own process; ${peer} is not one of them`,
});

/** The service implementation with every method refusing callers the guard does not allow. */
function guarded(definition: grpc.ServiceDefinition, impl: Record<string, unknown>, guard: PeerGuard): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(definition)) {
    const name = (method as { originalName?: string }).originalName ?? key;
    const fn = (impl[name] ?? impl[key]) as ((...a: unknown[]) => unknown) | undefined;
    if (typeof fn !== "function") continue;
    const wrapped = (call: AnyCall, callback?: (err: unknown) => void) => {
      const peer = call.getPeer();
      if (!guard.allows(peer)) {
        if (callback) callback(denied(peer));
        else call.emit?.("error", denied(peer));
        return;
      }
      return fn.call(impl, call, callback);
    };
    out[name] = wrapped as never;
  }
  return out;
}

let serving: Promise<{ port: number; server: grpc.Server; listener: { tcp: net.Server; injector: grpc.ConnectionInjector } }> | undefined;
/** The provider `serving` serves: the SDK runs one provider server per process. */
let served: PlinthProvider | undefined;

/** Starts serving `provider` in this process (once per process: the SDK allows one) and returns its port. */
export async function serveInProcess(provider: PlinthProvider): Promise<number> {
  if (served !== undefined && served !== provider) {
    throw new Error("this process already serves another plinth provider (the provider SDK serves one per process); use that one");
  }
  served = provider;
  serving ??= (async () => {
    const originalLog = console.log;
    const originalBind = grpc.Server.prototype.bindAsync;
    let listener: { tcp: net.Server; injector: grpc.ConnectionInjector } | undefined;
    const originalAdd = grpc.Server.prototype.addService;
    let captured: string | undefined;
    let server: grpc.Server | undefined;
    let boundPort = 0;
    const guard = enginePeerGuard(() => boundPort, enginePids);
    console.log = (...args: unknown[]) => {
      if (captured === undefined && args.length === 1 && /^\d+$/.test(String(args[0]))) captured = String(args[0]);
      else originalLog(...args);
    };
    // The SDK binds 127.0.0.1:0; instead, this process listens and hands each accepted connection to the
    // gRPC server (its public connection injector), so the guard sees every connection as it is accepted.
    grpc.Server.prototype.bindAsync = function (this: grpc.Server, ...args: Parameters<grpc.Server["bindAsync"]>) {
      // The only handle on the server the provider SDK's main() creates inside itself.
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- captured to stop it later
      server = this;
      const [, creds, cb] = args;
      const injector = this.createConnectionInjector(creds);
      const tcp = net.createServer((socket) => {
        const port = socket.remotePort;
        if (port === undefined) return socket.destroy();
        guard.connected(port);
        socket.once("close", () => guard.closed(port));
        injector.injectConnection(socket);
      });
      listener = { tcp, injector };
      tcp.once("error", (err) => cb(err, 0));
      tcp.listen(0, "127.0.0.1", () => {
        boundPort = (tcp.address() as net.AddressInfo).port;
        cb(null, boundPort);
      });
    };
    grpc.Server.prototype.addService = function (this: grpc.Server, definition: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) {
      return originalAdd.call(this, definition, guarded(definition, impl as Record<string, unknown>, guard));
    };
    try {
      await providerSdk.main(provider, []);
    } finally {
      console.log = originalLog;
      grpc.Server.prototype.bindAsync = originalBind;
      grpc.Server.prototype.addService = originalAdd;
    }
    if (!captured || !server || !listener) throw new Error("the plinth provider did not report its port");
    return { port: Number(captured), server, listener };
  })();
  return (await serving).port;
}

/** Stops the in-process provider server so the process can exit. */
export async function stopInProcess(): Promise<void> {
  if (!serving) return;
  const { server, listener } = await serving;
  listener.tcp.close();
  listener.injector.destroy();
  server.forceShutdown();
}
