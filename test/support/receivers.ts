/**
 * Local stand-ins for Slack, PagerDuty, Zendesk and a webhook endpoint, on 127.0.0.1 (random port).
 * Each CHECKS the request shape the public API documents (path, method, auth header, required JSON
 * fields), answers like the real API (ids, envelopes, error bodies), records every call, and can be
 * told to fail the next N calls with 429 + Retry-After, a 5xx, or a dropped connection.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Raw request body. */
  raw: string;
  /** Parsed JSON body (undefined if empty or not JSON). */
  body: any;
  /** Status we answered (0 for a dropped connection). */
  status: number;
  response: any;
  at: number;
}

export type Failure =
  | { status: 429; retryAfter?: string | number; body?: unknown }
  | { status: 500 | 502 | 503 | 504; body?: unknown }
  | { drop: true };

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
type Route = (req: { method: string; path: string; headers: http.IncomingHttpHeaders; body: any; raw: string }) => Reply;

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  calls: RecordedCall[];
  /** The next `n` calls fail as described (before any checking). */
  failNext(n: number, failure: Failure): void;
  close(): Promise<void>;
}

async function startReceiver(route: Route): Promise<Receiver> {
  const calls: RecordedCall[] = [];
  const failures: Failure[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: any;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const url = new URL(req.url ?? "/", "http://x");
      const call: RecordedCall = { method: req.method ?? "", path: url.pathname, headers: req.headers, raw, body, status: 0, response: undefined, at: Date.now() };
      calls.push(call);
      const failure = failures.shift();
      if (failure && "drop" in failure) {
        req.socket.destroy();
        return;
      }
      let reply: Reply;
      if (failure) {
        reply = { status: failure.status, body: failure.body ?? { error: failure.status === 429 ? "rate limited" : "internal error" } };
        if (failure.status === 429 && failure.retryAfter !== undefined) reply.headers = { "Retry-After": String(failure.retryAfter) };
      } else {
        try {
          reply = route({ method: call.method, path: call.path, headers: req.headers, body, raw });
        } catch (err) {
          reply = { status: 500, body: { error: String(err) } };
        }
      }
      call.status = reply.status;
      call.response = reply.body;
      const text = reply.body === undefined ? "" : JSON.stringify(reply.body);
      res.writeHead(reply.status, { ...(text ? { "Content-Type": "application/json; charset=utf-8" } : {}), ...reply.headers });
      res.end(text);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const isJson = (h: http.IncomingHttpHeaders) => /^application\/json\b/i.test(String(h["content-type"] ?? ""));
const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === "object" && !Array.isArray(v);
const nonEmpty = (v: unknown) => typeof v === "string" && v.length > 0;

// ---------------------------------------------------------------- Slack (chat.postMessage)

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
}
export interface SlackReceiver extends Receiver {
  messages: SlackMessage[];
}

/** `channels` maps names (without #) to IDs; IDs themselves are accepted too. */
export async function startSlackReceiver(opts: { token: string; channels?: Record<string, string> }): Promise<SlackReceiver> {
  const channels = opts.channels ?? { general: "C0GENERAL1", platform: "C0PLATFRM2" };
  const ids = new Set(Object.values(channels));
  const messages: SlackMessage[] = [];
  let seq = 0;
  const ok = (body: object): Reply => ({ status: 200, body: { ok: true, ...body } });
  const err = (error: string): Reply => ({ status: 200, body: { ok: false, error } });
  const r = await startReceiver(({ method, path, headers, body }) => {
    if (path !== "/api/chat.postMessage") return { status: 404, body: { ok: false, error: "unknown_method" } };
    if (method !== "POST") return err("invalid_request");
    const auth = String(headers.authorization ?? "");
    if (!auth) return err("not_authed");
    if (auth !== `Bearer ${opts.token}`) return err("invalid_auth");
    if (!isJson(headers) || !isObj(body)) return err("invalid_form_data");
    const ch = typeof body.channel === "string" ? body.channel.replace(/^#/, "") : "";
    const id = ids.has(ch) ? ch : channels[ch];
    if (!id) return err("channel_not_found");
    if (body.blocks !== undefined && (!Array.isArray(body.blocks) || body.blocks.some((b: unknown) => !isObj(b) || !nonEmpty((b as any).type)))) return err("invalid_blocks");
    if (!nonEmpty(body.text) && !body.blocks?.length) return err("no_text");
    if (body.thread_ts !== undefined && !messages.some((m) => m.channel === id && m.ts === body.thread_ts)) return err("thread_not_found");
    const ts = `${1_700_000_000 + seq}.${String(++seq).padStart(6, "0")}`;
    const m: SlackMessage = { channel: id, ts, text: body.text, ...(body.blocks ? { blocks: body.blocks } : {}), ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}) };
    messages.push(m);
    return ok({ channel: id, ts, message: { type: "message", user: "U0PLINTH1", bot_id: "B0PLINTH1", ...m } });
  });
  return Object.assign(r, { messages });
}

// ---------------------------------------------------------------- PagerDuty REST API v2

export interface PagerDutyReceiver extends Receiver {
  schedules: Map<string, any>;
  escalationPolicies: Map<string, any>;
  services: Map<string, any>;
}

const pdId = () => "P" + randomBytes(4).toString("hex").toUpperCase().slice(0, 6);

export async function startPagerDutyReceiver(opts: { apiKey: string; requireFrom?: boolean }): Promise<PagerDutyReceiver> {
  const schedules = new Map<string, any>();
  const escalationPolicies = new Map<string, any>();
  const services = new Map<string, any>();
  const invalid = (...errors: string[]): Reply => ({ status: 400, body: { error: { message: "Invalid Input Provided", code: 2001, errors } } });
  const notFound: Reply = { status: 404, body: { error: { message: "Not Found", code: 2100 } } };

  function checkSchedule(s: any): string[] {
    const e: string[] = [];
    if (!isObj(s)) return ["schedule is required"];
    if (s.type !== "schedule") e.push("Schedule type must be 'schedule'");
    if (!nonEmpty(s.time_zone)) e.push("Time zone can't be blank");
    if (!Array.isArray(s.schedule_layers) || s.schedule_layers.length === 0) e.push("Schedule layers must have at least one layer");
    for (const l of s.schedule_layers ?? []) {
      if (Number.isNaN(Date.parse(l?.start))) e.push("Schedule layer start must be a valid date");
      if (Number.isNaN(Date.parse(l?.rotation_virtual_start))) e.push("Schedule layer rotation_virtual_start must be a valid date");
      if (!Number.isInteger(l?.rotation_turn_length_seconds) || l.rotation_turn_length_seconds <= 0) e.push("Schedule layer rotation_turn_length_seconds must be a positive integer");
      if (!Array.isArray(l?.users) || l.users.length === 0) e.push("Schedule layer users must not be empty");
      for (const u of l?.users ?? []) if (!nonEmpty(u?.user?.id) || u?.user?.type !== "user_reference") e.push("Schedule layer users must be {user: {id, type: 'user_reference'}}");
    }
    return e;
  }
  function checkPolicy(p: any): string[] {
    const e: string[] = [];
    if (!isObj(p)) return ["escalation_policy is required"];
    if (p.type !== "escalation_policy") e.push("Escalation policy type must be 'escalation_policy'");
    if (!nonEmpty(p.name)) e.push("Name can't be blank");
    if (!Array.isArray(p.escalation_rules) || p.escalation_rules.length === 0) e.push("Escalation rules must have at least one rule");
    for (const r of p.escalation_rules ?? []) {
      if (!Number.isInteger(r?.escalation_delay_in_minutes)) e.push("Escalation rule escalation_delay_in_minutes is required");
      if (!Array.isArray(r?.targets) || r.targets.length === 0) e.push("Escalation rule targets must not be empty");
      for (const t of r?.targets ?? []) {
        if (t?.type === "schedule_reference" && !schedules.has(t.id)) e.push(`Escalation rule target schedule ${t?.id} not found`);
        else if (t?.type !== "schedule_reference" && t?.type !== "user_reference") e.push("Escalation rule target type must be user_reference or schedule_reference");
      }
    }
    return e;
  }
  function checkService(s: any, selfId?: string): string[] {
    const e: string[] = [];
    if (!isObj(s)) return ["service is required"];
    if (s.type !== undefined && s.type !== "service") e.push("Service type must be 'service'");
    if (!nonEmpty(s.name)) e.push("Name can't be blank");
    else if ([...services.values()].some((x) => x.name === s.name && x.id !== selfId)) e.push("Name has already been taken");
    const ep = s.escalation_policy;
    if (!isObj(ep) || ep.type !== "escalation_policy_reference" || !escalationPolicies.has(ep.id)) e.push("Escalation policy must reference an existing escalation policy ({id, type: 'escalation_policy_reference'})");
    return e;
  }

  const kinds: Record<string, { key: string; store: Map<string, any>; check: (o: any, id?: string) => string[]; inUse: (id: string) => boolean }> = {
    schedules: { key: "schedule", store: schedules, check: checkSchedule, inUse: (id) => [...escalationPolicies.values()].some((p) => p.escalation_rules.some((r: any) => r.targets.some((t: any) => t.id === id))) },
    escalation_policies: { key: "escalation_policy", store: escalationPolicies, check: checkPolicy, inUse: (id) => [...services.values()].some((s) => s.escalation_policy.id === id) },
    services: { key: "service", store: services, check: checkService, inUse: () => false },
  };

  const r = await startReceiver(({ method, path, headers, body }) => {
    if (headers.authorization !== `Token token=${opts.apiKey}`) return { status: 401, body: { error: { message: "Unauthorized", code: 2006 } } };
    if (!String(headers.accept ?? "").includes("application/vnd.pagerduty+json;version=2")) return invalid("Accept header must be application/vnd.pagerduty+json;version=2");
    if (opts.requireFrom && method !== "GET" && !/^[^@\s]+@[^@\s]+$/.test(String(headers.from ?? ""))) return invalid("The From header is required and must be a valid user email");
    const m = /^\/(schedules|escalation_policies|services)(?:\/([A-Z0-9]+))?$/.exec(path);
    if (!m) return notFound;
    const kind = kinds[m[1]];
    const id = m[2];
    if ((method === "POST" || method === "PUT") && !isJson(headers)) return invalid("Content-Type must be application/json");
    const make = (o: any, oid: string) => ({ ...o, id: oid, summary: o.name, self: `https://api.pagerduty.com/${m[1]}/${oid}`, html_url: `https://example.pagerduty.com/${m[1].replace("_", "-")}/${oid}` });
    if (method === "POST" && !id) {
      const errs = kind.check(body?.[kind.key]);
      if (errs.length) return invalid(...errs);
      const nid = pdId();
      const obj = make(body[kind.key], nid);
      kind.store.set(nid, obj);
      return { status: 201, body: { [kind.key]: obj } };
    }
    if (!id || !kind.store.has(id)) return notFound;
    if (method === "GET") return { status: 200, body: { [kind.key]: kind.store.get(id) } };
    if (method === "PUT") {
      const errs = kind.check(body?.[kind.key], id);
      if (errs.length) return invalid(...errs);
      const obj = make(body[kind.key], id);
      kind.store.set(id, obj);
      return { status: 200, body: { [kind.key]: obj } };
    }
    if (method === "DELETE") {
      if (kind.inUse(id)) return invalid(`${kind.key} ${id} is in use and cannot be deleted`);
      kind.store.delete(id);
      return { status: 204 };
    }
    return notFound;
  });
  return Object.assign(r, { schedules, escalationPolicies, services });
}

// ---------------------------------------------------------------- Zendesk Support API

export interface ZendeskTicket {
  id: number;
  subject?: string;
  status: string;
  tags: string[];
  requester: { name?: string; email: string };
  comments: { body: string; public: boolean }[];
}
export interface ZendeskReceiver extends Receiver {
  tickets: Map<number, ZendeskTicket>;
}

export async function startZendeskReceiver(opts: { email: string; apiToken: string }): Promise<ZendeskReceiver> {
  const tickets = new Map<number, ZendeskTicket>();
  let next = 35436;
  const expected = "Basic " + Buffer.from(`${opts.email}/token:${opts.apiToken}`).toString("base64");
  const recordInvalid = (description: string): Reply => ({ status: 422, body: { error: "RecordInvalid", description: "Record validation errors", details: { base: [{ description, error: "InvalidValue" }] } } });
  const r = await startReceiver(({ method, path, headers, body }) => {
    if (headers.authorization !== expected) return { status: 401, body: { error: "Couldn't authenticate you" } };
    const view = (t: ZendeskTicket, base: string) => ({
      id: t.id,
      url: `${base}/api/v2/tickets/${t.id}.json`,
      subject: t.subject,
      description: t.comments[0]?.body,
      status: t.status,
      tags: t.tags,
      requester_id: 9000 + t.id,
      created_at: new Date().toISOString(),
    });
    const base = `http://${headers.host}`;
    if (method === "POST" && path === "/api/v2/tickets.json") {
      if (!isJson(headers) || !isObj(body?.ticket)) return { status: 400, body: { error: "InvalidEndpoint", description: "ticket is required" } };
      const t = body.ticket;
      if (!isObj(t.comment) || !nonEmpty(t.comment.body)) return recordInvalid("Description: cannot be blank");
      if (t.requester !== undefined && (!isObj(t.requester) || !/^[^@\s]+@[^@\s]+$/.test(String(t.requester.email ?? "")))) return recordInvalid("Requester: email is invalid");
      if (t.tags !== undefined && (!Array.isArray(t.tags) || t.tags.some((x: unknown) => typeof x !== "string"))) return recordInvalid("Tags: must be a list of strings");
      const ticket: ZendeskTicket = { id: next++, subject: t.subject, status: "new", tags: t.tags ?? [], requester: t.requester ?? { email: opts.email }, comments: [{ body: t.comment.body, public: t.comment.public ?? true }] };
      tickets.set(ticket.id, ticket);
      return { status: 201, body: { ticket: view(ticket, base) }, headers: { Location: `${base}/api/v2/tickets/${ticket.id}.json` } };
    }
    const m = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(path);
    if (!m) return { status: 404, body: { error: "InvalidEndpoint", description: "Not found" } };
    const ticket = tickets.get(Number(m[1]));
    if (!ticket) return { status: 404, body: { error: "RecordNotFound", description: "Not found" } };
    if (method === "GET") return { status: 200, body: { ticket: view(ticket, base) } };
    if (method !== "PUT") return { status: 404, body: { error: "InvalidEndpoint", description: "Not found" } };
    if (!isJson(headers) || !isObj(body?.ticket)) return { status: 400, body: { error: "InvalidEndpoint", description: "ticket is required" } };
    if (ticket.status === "closed") return recordInvalid("Status: closed prevents ticket update");
    const t = body.ticket;
    if (t.status !== undefined && !["new", "open", "pending", "hold", "solved", "closed"].includes(t.status)) return recordInvalid(`Status: ${t.status} is not valid`);
    if (t.comment !== undefined) {
      if (!isObj(t.comment) || !nonEmpty(t.comment.body)) return recordInvalid("Comment: body cannot be blank");
      if (t.comment.public !== undefined && typeof t.comment.public !== "boolean") return recordInvalid("Comment: public must be a boolean");
      ticket.comments.push({ body: t.comment.body, public: t.comment.public ?? true });
    }
    if (t.subject !== undefined) ticket.subject = t.subject;
    if (t.tags !== undefined) ticket.tags = t.tags;
    if (t.status !== undefined) ticket.status = t.status;
    else if (ticket.status === "new") ticket.status = "open";
    return { status: 200, body: { ticket: view(ticket, base), audit: { id: Date.now(), ticket_id: ticket.id } } };
  });
  return Object.assign(r, { tickets });
}

// ---------------------------------------------------------------- Webhook endpoint

export interface WebhookReceiver extends Receiver {
  /** Bodies of the deliveries whose signature checked out. */
  events: any[];
}

/** Accepts POSTs whose `X-Plinth-Signature` is `sha256=<HMAC-SHA256(body, secret)>` and that carry a timestamp; else 401. */
export async function startWebhookReceiver(opts: { secret: string; path?: string }): Promise<WebhookReceiver> {
  const events: any[] = [];
  const r = await startReceiver(({ method, path, headers, raw, body }) => {
    if (method !== "POST" || path !== (opts.path ?? "/hook")) return { status: 404, body: { error: "not found" } };
    if (!isJson(headers)) return { status: 415, body: { error: "want application/json" } };
    const want = Buffer.from("sha256=" + createHmac("sha256", opts.secret).update(raw).digest("hex"));
    const got = Buffer.from(String(headers["x-plinth-signature"] ?? ""));
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { status: 401, body: { error: "bad signature" } };
    const ts = Number(headers["x-plinth-timestamp"]);
    if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return { status: 401, body: { error: "stale or missing timestamp" } };
    if (!isObj(body) || !["create", "update", "delete"].includes(body.event) || body.timestamp !== ts) return { status: 400, body: { error: "bad event" } };
    events.push(body);
    return { status: 202 };
  });
  return Object.assign(r, { events });
}

// ---------------------------------------------------------------- context for handler tests

/** An ActionContext that captures logs and records (but still performs, scaled by `sleepScale`) retry waits. */
export function captureContext(opts: { sleepScale?: number } = {}) {
  const logs: string[] = [];
  const sleeps: number[] = [];
  const ctx = {
    log: (m: string) => logs.push(m),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      const real = ms * (opts.sleepScale ?? 0);
      if (real > 0) await new Promise((r) => setTimeout(r, real));
    },
  };
  return { ctx, logs, sleeps };
}
