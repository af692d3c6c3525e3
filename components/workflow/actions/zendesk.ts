import { z } from "zod";
import { RemoteError } from "../../errors";
import { basicAuth, callApi, type ApiRequest } from "./http";
import { redactingLog } from "./redact";
import type { ActionContext, ActionHandler } from "./types";
import { baseUrl, changedFields, jsonEqual, parseWith, requiredString } from "./validate";

export const zendeskInputsSchema = z.object({
  baseUrl: baseUrl("your Zendesk URL, https://<subdomain>.zendesk.com"),
  /** Agent email of the API token's owner (basic auth user is `<email>/token`). */
  email: z.email({ error: (iss) => (iss.input === undefined ? "required: the Zendesk agent email that owns the API token" : "must be an email address") }),
  apiToken: requiredString("a Zendesk API token (Admin Center → Apps and integrations → Zendesk API)"),
  subject: requiredString("the ticket subject"),
  body: requiredString("the ticket's first comment"),
  requester: z.object(
    {
      name: requiredString("the requester's name"),
      email: z.email({ error: (iss) => (iss.input === undefined ? "required: the requester's email" : "must be an email address") }),
    },
    { error: (iss) => (iss.input === undefined ? "required: the requester {name, email}" : "must be an object") },
  ),
  tags: z.array(z.string().min(1)).optional(),
  /** Private comment added on update; default says which fields changed. */
  updateBody: z.string().optional(),
  /** Comment added when the ticket is solved on delete. */
  deleteBody: z.string().optional(),
});
export type ZendeskInputs = z.output<typeof zendeskInputsSchema>;

export interface ZendeskState {
  ticketId: number;
  url?: string;
}

const CONTENT_FIELDS = ["subject", "body", "tags"] as const;

async function zd(i: ZendeskInputs, ctx: ActionContext, method: ApiRequest["method"], path: string, body: unknown) {
  const auth = basicAuth(`${i.email}/token`, i.apiToken);
  return callApi({ method, url: `${i.baseUrl}${path}`, headers: { Authorization: auth, Accept: "application/json" }, body }, ctx, {
    api: "Zendesk",
    code: "ZendeskApiError",
    secrets: [i.apiToken, auth, auth.slice("Basic ".length)],
    errorText: (b) => {
      const e = b as { error?: unknown; description?: string; details?: unknown } | undefined;
      if (!e || e.error === undefined) return undefined;
      const head = typeof e.error === "string" ? e.error : JSON.stringify(e.error);
      return [head, e.description, e.details ? JSON.stringify(e.details) : undefined].filter(Boolean).join(": ");
    },
  });
}

/**
 * Zendesk ticket step. Create opens a ticket; an update of subject, body or tags adds a private comment
 * (and sets the new subject/tags); delete solves the ticket with a comment (Zendesk keeps tickets; a
 * solved ticket is the closest thing to undoing one). A ticket already deleted in Zendesk (404) counts
 * as done on delete. A change of base URL or requester replaces the step (a new ticket).
 */
export const zendeskHandler: ActionHandler<ZendeskInputs, ZendeskState> = {
  kind: "zendesk",
  validate: (inputs) => parseWith(zendeskInputsSchema, inputs),

  async create(i, ctx) {
    const res = await zd(i, ctx, "POST", "/api/v2/tickets.json", {
      ticket: {
        subject: i.subject,
        comment: { body: i.body },
        requester: { name: i.requester.name, email: i.requester.email },
        ...(i.tags ? { tags: i.tags } : {}),
      },
    });
    const t = (res.body as { ticket?: { id?: unknown; url?: string } } | undefined)?.ticket;
    if (!t || typeof t.id !== "number") throw new RemoteError("Zendesk POST /api/v2/tickets.json answered without ticket.id", { api: "Zendesk" }, "ZendeskApiError");
    redactingLog(ctx.log, [i.apiToken])(`zendesk: opened ticket ${t.id}`);
    return { ticketId: t.id, ...(t.url ? { url: t.url } : {}) };
  },

  async update(old, oi, i, ctx) {
    const changed = changedFields(oi, i, CONTENT_FIELDS);
    if (changed.length === 0) return old;
    const body = i.updateBody ?? `Updated by Plinth (${changed.join(", ")} changed).\n\n${i.body}`;
    await zd(i, ctx, "PUT", `/api/v2/tickets/${old.ticketId}.json`, {
      ticket: {
        comment: { body, public: false },
        ...(changed.includes("subject") ? { subject: i.subject } : {}),
        ...(changed.includes("tags") ? { tags: i.tags ?? [] } : {}),
      },
    });
    redactingLog(ctx.log, [i.apiToken])(`zendesk: commented on ticket ${old.ticketId} (${changed.join(", ")})`);
    return old;
  },

  async delete(state, i, ctx) {
    const log = redactingLog(ctx.log, [i.apiToken]);
    try {
      await zd(i, ctx, "PUT", `/api/v2/tickets/${state.ticketId}.json`, {
        ticket: { status: "solved", comment: { body: i.deleteBody ?? "Solved by Plinth: the resource this ticket was opened for was deleted." } },
      });
      log(`zendesk: solved ticket ${state.ticketId}`);
    } catch (err) {
      if (err instanceof RemoteError && (err.details as { status?: number } | undefined)?.status === 404) {
        log(`zendesk: ticket ${state.ticketId} was already gone`);
        return;
      }
      throw err;
    }
  },

  diff(oi, i) {
    const replaces = changedFields(oi, i, ["baseUrl", "requester"]);
    return { changes: !jsonEqual(oi, i), ...(replaces.length ? { replaces } : {}) };
  },
};
