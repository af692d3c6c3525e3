/** `plinth reconcile <kind> <name>`: reconcile now, reading Git first (repairs hand edits); `-w` waits. */
import { requestPath } from "../client";
import { watchRequest } from "../watch";
import { EXIT_STALLED, NAMESPACE, WATCH, namespaceOf, positionals, timeoutMs } from "./options";
import type { Command } from "./types";

export const reconcileCommand: Command = {
  name: "reconcile",
  summary: "reconcile a request now (restores files changed or deleted by hand in Git)",
  usage: "reconcile <kind> <name> [-n ns] [-w]",
  options: { ...NAMESPACE, ...WATCH },
  async run({ args, flags, io, client }) {
    const [kind, name] = positionals(args, ["kind", "name"], reconcileCommand.usage);
    const key = { namespace: namespaceOf(flags), kind, name };
    const { body } = await client.request<{ namespace: string; kind: string; name: string }>("POST", `${requestPath(key)}/reconcile`);
    io.stdout(`${body.kind} ${body.namespace}/${body.name} reconcile queued\n`);
    if (!flags.watch) return 0;
    const outcome = await watchRequest(client, body, io, { until: "ready", timeoutMs: timeoutMs(flags) });
    io.stdout(`${body.kind} ${body.namespace}/${body.name} ${outcome}\n`);
    return outcome === "ready" || outcome === "suspended" ? 0 : EXIT_STALLED;
  },
};
