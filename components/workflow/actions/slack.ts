import { z } from "zod";
import { RemoteError } from "../../errors";
import { callApi } from "./http";
import { redact, redactingLog } from "./redact";
import type { ActionContext, ActionHandler } from "./types";
import { baseUrl, changedFields, jsonEqual, parseWith, requiredString } from "./validate";

export const slackInputsSchema = z.object({
  botToken: requiredString("the Slack bot token (xoxb-…) of an app with the chat:write scope"),
  channel: requiredString("the channel ID (C…) or name (#team) to post to"),
  text: requiredString("the message text (also the notification fallback when blocks are set)"),
  blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Text of the threaded reply posted on update; default says which fields changed. */
  updateText: z.string().optional(),
  /** Text of the threaded reply posted on delete; default `Deleted: <text>`. */
  deleteText: z.string().optional(),
  baseUrl: baseUrl("the Slack API base URL, e.g. https://slack.com").optional().default("https://slack.com"),
});
export type SlackInputs = z.output<typeof slackInputsSchema>;

/** Ids only: the channel ID Slack answered and the `ts` of the first and of the latest message. */
export interface SlackState {
  channel: string;
  ts: string;
  lastTs: string;
}

/** Fields whose change posts an update; the others (token, base URL, texts of later notices) do not. */
const CONTENT_FIELDS = ["text", "blocks"] as const;

interface SlackPost {
  channel: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

async function postMessage(inputs: SlackInputs, msg: SlackPost, ctx: ActionContext): Promise<{ channel: string; ts: string }> {
  const res = await callApi(
    {
      method: "POST",
      url: `${inputs.baseUrl}/api/chat.postMessage`,
      headers: { Authorization: `Bearer ${inputs.botToken}`, "Content-Type": "application/json; charset=utf-8" },
      body: msg,
    },
    ctx,
    {
      api: "Slack",
      code: "SlackApiError",
      secrets: [inputs.botToken],
      errorText: (b) => (b && typeof b === "object" && "error" in b ? String((b as { error: unknown }).error) : undefined),
    },
  );
  const body = res.body as { ok?: boolean; error?: string; channel?: string; ts?: string } | undefined;
  if (!body || body.ok !== true) {
    const error = body?.error ?? "invalid_response";
    throw new RemoteError(redact(`Slack chat.postMessage to ${msg.channel} failed: ${error}`, [inputs.botToken]), { api: "Slack", error: redact(String(error), [inputs.botToken]) }, "SlackApiError");
  }
  if (typeof body.ts !== "string") throw new RemoteError("Slack chat.postMessage answered ok without a message ts", { api: "Slack" }, "SlackApiError");
  return { channel: typeof body.channel === "string" ? body.channel : msg.channel, ts: body.ts };
}

/**
 * Slack message step. Create posts `{channel, text, blocks}`; an update of the text or blocks posts a
 * reply in the first message's thread saying what changed (the history stays readable, and no
 * chat:write permission on old messages is needed); delete posts a reply in that thread. A change of
 * channel or base URL replaces the step (a new first message). Changes of the token or of the notice
 * texts alone call nothing.
 */
export const slackHandler: ActionHandler<SlackInputs, SlackState> = {
  kind: "slack",
  validate: (inputs) => parseWith(slackInputsSchema, inputs),

  async create(inputs, ctx) {
    const log = redactingLog(ctx.log, [inputs.botToken]);
    const { channel, ts } = await postMessage(inputs, { channel: inputs.channel, text: inputs.text, blocks: inputs.blocks }, ctx);
    log(`slack: posted message ${ts} to ${channel}`);
    return { channel, ts, lastTs: ts };
  },

  async update(old, oldInputs, inputs, ctx) {
    const changed = changedFields(oldInputs, inputs, CONTENT_FIELDS);
    if (changed.length === 0) return old;
    const text = inputs.updateText ?? `Updated (${changed.join(", ")}): ${inputs.text}`;
    // With blocks Slack shows the blocks, not `text`: lead them with a context block saying what changed.
    const blocks = inputs.blocks && [{ type: "context", elements: [{ type: "mrkdwn", text: `Updated (${changed.join(", ")})` }] }, ...inputs.blocks];
    const { ts } = await postMessage(inputs, { channel: old.channel, text, blocks, thread_ts: old.ts }, ctx);
    redactingLog(ctx.log, [inputs.botToken])(`slack: posted update ${ts} in thread ${old.ts} of ${old.channel}`);
    return { ...old, lastTs: ts };
  },

  async delete(state, inputs, ctx) {
    const text = inputs.deleteText ?? `Deleted: ${inputs.text}`;
    const { ts } = await postMessage(inputs, { channel: state.channel, text, thread_ts: state.ts }, ctx);
    redactingLog(ctx.log, [inputs.botToken])(`slack: posted deletion notice ${ts} in thread ${state.ts} of ${state.channel}`);
  },

  diff(oldInputs, inputs) {
    const replaces = changedFields(oldInputs, inputs, ["channel", "baseUrl"]);
    return { changes: !jsonEqual(oldInputs, inputs), ...(replaces.length ? { replaces } : {}) };
  },
};
