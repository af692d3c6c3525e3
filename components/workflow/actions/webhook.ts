import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { callApi } from "./http";
import { redactingLog } from "./redact";
import type { ActionContext, ActionHandler } from "./types";
import { httpUrl, jsonEqual, parseWith, requiredString } from "./validate";

export const SIGNATURE_HEADER = "X-Plinth-Signature";
export const TIMESTAMP_HEADER = "X-Plinth-Timestamp";
export const EVENT_HEADER = "X-Plinth-Event";
export const DELIVERY_HEADER = "X-Plinth-Delivery";

const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const RESERVED = new Set(["authorization", "content-type", "content-length", "host", SIGNATURE_HEADER.toLowerCase(), TIMESTAMP_HEADER.toLowerCase()]);

export const webhookInputsSchema = z.object({
  url: httpUrl("the webhook URL (http or https) to POST events to"),
  secret: requiredString("the shared secret the receiver uses to check X-Plinth-Signature"),
  /** The object the event is about (the request or promise); sent as `object`. */
  object: z.unknown().refine((v) => v !== undefined, "required: the object the event is about"),
  /** Extra non-secret headers. */
  headers: z
    .record(z.string(), z.string())
    .refine((h) => Object.keys(h).every((k) => HEADER_NAME.test(k) && !RESERVED.has(k.toLowerCase())), "header names must be tokens and must not be Authorization, Content-Type or X-Plinth-Signature/Timestamp")
    .optional(),
});
export type WebhookInputs = z.output<typeof webhookInputsSchema>;

export interface WebhookState {
  lastDelivery: string;
  lastEvent: "create" | "update" | "delete";
  lastStatus: number;
}

/** `sha256=<hex HMAC-SHA256 of body keyed with secret>`. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Constant-time check of an `X-Plinth-Signature` value. */
export function verifyWebhook(body: string, signature: string | undefined | null, secret: string): boolean {
  if (!signature) return false;
  const want = Buffer.from(signWebhook(body, secret));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** The exact body sent; `timestamp` is inside the body so the signature covers it (replay checks). */
export function webhookBody(event: WebhookState["lastEvent"], i: WebhookInputs, timestamp: number, previous?: unknown): string {
  return JSON.stringify({ event, timestamp, object: i.object, ...(previous !== undefined ? { previous } : {}) });
}

async function deliver(event: WebhookState["lastEvent"], i: WebhookInputs, ctx: ActionContext, previous?: unknown): Promise<WebhookState> {
  const timestamp = Math.floor(Date.now() / 1000);
  const body = webhookBody(event, i, timestamp, previous);
  const delivery = randomUUID();
  const res = await callApi(
    {
      method: "POST",
      url: i.url,
      headers: {
        ...i.headers,
        "Content-Type": "application/json",
        [SIGNATURE_HEADER]: signWebhook(body, i.secret),
        [TIMESTAMP_HEADER]: String(timestamp),
        [EVENT_HEADER]: event,
        [DELIVERY_HEADER]: delivery,
      },
      body,
    },
    ctx,
    { api: "Webhook", code: "WebhookError", secrets: [i.secret, urlSecret(i.url)] },
  );
  redactingLog(ctx.log, [i.secret, urlSecret(i.url)])(`webhook: delivered ${event} ${delivery} (HTTP ${res.status})`);
  return { lastDelivery: delivery, lastEvent: event, lastStatus: res.status };
}

/** The query string of a URL can carry a token (e.g. `?key=…`): treat it as secret in messages. */
function urlSecret(url: string): string | undefined {
  const q = new URL(url).search;
  return q.length > 1 ? q.slice(1) : undefined;
}

/**
 * Generic webhook step: POSTs `{event, timestamp, object, previous?}` signed with HMAC-SHA256 on
 * create, on update (when `object`, URL or headers changed; `previous` is the old object) and on delete.
 * The delivery id header lets receivers drop the duplicate a retry after a lost answer can cause.
 */
export const webhookHandler: ActionHandler<WebhookInputs, WebhookState> = {
  kind: "webhook",
  validate: (inputs) => parseWith(webhookInputsSchema, inputs),
  create: (i, ctx) => deliver("create", i, ctx),
  async update(old, oi, i, ctx) {
    if (jsonEqual(oi.object, i.object) && oi.url === i.url && jsonEqual(oi.headers, i.headers)) return old;
    return deliver("update", i, ctx, oi.object);
  },
  async delete(_state, i, ctx) {
    await deliver("delete", i, ctx);
  },
  diff: (oi, i) => ({ changes: !jsonEqual(oi, i) }),
};
