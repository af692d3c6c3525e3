/**
 * Serving the `plinth` provider inside the calling process. `@pulumi/pulumi/provider`'s `main()` starts a
 * gRPC server on 127.0.0.1 and prints its port; we capture that line instead of letting it reach stdout.
 * Engine runs attach to the port through `PULUMI_DEBUG_PROVIDERS=plinth:<port>`.
 */
import * as providerSdk from "@pulumi/pulumi/provider";
import type { PlinthProvider } from "./provider";

let serving: Promise<number> | undefined;

/** Starts serving `provider` in this process (once per process) and returns its port. */
export function serveInProcess(provider: PlinthProvider): Promise<number> {
  if (serving) return serving;
  serving = (async () => {
    const original = console.log;
    let captured: string | undefined;
    console.log = (...args: unknown[]) => {
      if (captured === undefined && args.length === 1 && /^\d+$/.test(String(args[0]))) captured = String(args[0]);
      else original(...args);
    };
    try {
      await providerSdk.main(provider, []);
    } finally {
      console.log = original;
    }
    if (!captured) throw new Error("the plinth provider did not report its port");
    return Number(captured);
  })();
  return serving;
}
