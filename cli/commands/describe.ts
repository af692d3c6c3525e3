/** `plinth describe <kind> <name>`: conditions, destinations, files and outputs of one request. */
import type { RequestObject, StepLogs } from "../../service/core/types";
import { requestPath } from "../client";
import { describeRequest } from "../format";
import { NAMESPACE, namespaceOf, positionals } from "./options";
import type { Command } from "./types";

export const describeCommand: Command = {
  name: "describe",
  summary: "show one request in detail",
  usage: "describe <kind> <name> [-n ns]",
  options: { ...NAMESPACE },
  async run({ args, flags, io, client }) {
    const [kind, name] = positionals(args, ["kind", "name"], describeCommand.usage);
    const path = requestPath({ namespace: namespaceOf(flags), kind, name });
    const { body } = await client.request<RequestObject>("GET", path);
    let logs: StepLogs | undefined;
    try {
      logs = (await client.request<StepLogs>("GET", `${path}/logs`)).body;
    } catch {
      logs = undefined; // an older service without step logs
    }
    io.stdout(await describeRequest(body, io.now(), logs));
    return 0;
  },
};
