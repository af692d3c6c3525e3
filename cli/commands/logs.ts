/**
 * `plinth logs <kind> <name> [-n ns] [-f] [--step s] [--generation g]`: what the request's workflow steps
 * printed (command steps' stdout and stderr, render steps' `log` calls), for one generation (default: the
 * latest). `-f` streams a run in progress live until it ends.
 */
import { BadRequestError } from "../../components/errors";
import type { RequestEvent, StepLogs } from "../../service/core/types";
import { requestPath } from "../client";
import { readSse } from "../sse";
import { NAMESPACE, namespaceOf, positionals } from "./options";
import type { Command } from "./types";

/** One stored or streamed piece of output; prefixed with its step unless one step was asked for. */
export function formatLogText(text: string, step: string, prefix: boolean): string {
  if (!prefix) return text;
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  return lines.map((l) => `[${step}] ${l}\n`).join("");
}

export const logsCommand: Command = {
  name: "logs",
  summary: "show the output of a request's workflow steps (-f: follow a run live)",
  usage: "logs <kind> <name> [-n ns] [-f] [--step s] [--generation g]",
  options: {
    ...NAMESPACE,
    follow: { type: "boolean", short: "f", description: "stream the run in progress until it ends" },
    step: { type: "string", description: "only this step (`<pipeline>/<step>` or `<step>`)" },
    generation: { type: "string", description: "this generation (default: the latest with logs)" },
  },
  async run({ args, flags, io, client }) {
    const [kind, name] = positionals(args, ["kind", "name"], logsCommand.usage);
    const q = new URLSearchParams();
    const step = typeof flags.step === "string" && flags.step ? flags.step : undefined;
    if (step) q.set("step", step);
    if (flags.generation !== undefined) {
      const g = Number(flags.generation);
      if (!Number.isInteger(g) || g <= 0) throw new BadRequestError(`--generation ${String(flags.generation)} must be a whole number > 0`, undefined, "Usage");
      q.set("generation", String(g));
    }
    const path = `${requestPath({ namespace: namespaceOf(flags), kind, name })}/logs`;
    const prefix = !step;
    if (!flags.follow) {
      const { body } = await client.request<StepLogs>("GET", `${path}${q.size ? `?${q}` : ""}`);
      if (!body.entries.length) io.stderr(body.generation === undefined ? "no step logs yet\n" : `no step logs for generation ${body.generation}\n`);
      for (const e of body.entries) io.stdout(formatLogText(e.text, e.step, prefix));
      return 0;
    }
    q.set("follow", "true");
    const ac = new AbortController();
    try {
      const res = await client.stream(`${path}?${q}`, ac.signal);
      for await (const frame of readSse(res.body)) {
        if (frame.event !== "log") continue;
        const e = JSON.parse(frame.data) as RequestEvent;
        const d = (e.data ?? {}) as { step?: string };
        io.stdout(formatLogText(e.message, d.step ?? "?", prefix));
      }
    } finally {
      ac.abort();
    }
    return 0;
  },
};
