import { z } from "zod";
import { RemoteError } from "../../errors";
import { callApi, type ApiRequest } from "./http";
import { redactingLog } from "./redact";
import type { ActionContext, ActionHandler } from "./types";
import { baseUrl, changedFields, jsonEqual, parseWith, requiredString } from "./validate";

const isoDate = (hint: string) =>
  requiredString(hint).refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time, e.g. 2025-01-06T09:00:00Z");

export const pagerDutyInputsSchema = z.object({
  apiKey: requiredString("a PagerDuty REST API key (Integrations → API Access Keys)"),
  /** Email of a PagerDuty user, sent as `From:`; required by PagerDuty for account-level keys on some calls. */
  fromEmail: z.email("must be the email address of a PagerDuty user").optional(),
  baseUrl: baseUrl("the PagerDuty API base URL").optional().default("https://api.pagerduty.com"),
  /** Name of the service; the schedule and escalation policy are named after it. */
  name: requiredString("the PagerDuty service name"),
  description: z.string().optional(),
  timeZone: z.string().min(1).optional().default("UTC"),
  rotation: z.object(
    {
      start: isoDate("when the rotation starts (ISO 8601)"),
      /** Defaults to `start`. */
      virtualStart: isoDate("the rotation's virtual start (ISO 8601)").optional(),
      turnLengthSeconds: z.number().int().min(3600, "must be at least 3600 (one hour)").optional().default(604800),
      userIds: z.array(requiredString("a PagerDuty user ID (P…)"), { error: "required: the PagerDuty user IDs on call, in order" }).min(1, "must name at least one PagerDuty user ID"),
    },
    { error: (iss) => (iss.input === undefined ? "required: the on-call rotation {start, userIds}" : "must be an object") },
  ),
  escalationDelayMinutes: z.number().int().min(1).optional().default(30),
  numLoops: z.number().int().min(0).max(9).optional(),
});
export type PagerDutyInputs = z.output<typeof pagerDutyInputsSchema>;

export interface PagerDutyState {
  scheduleId: string;
  escalationPolicyId: string;
  serviceId: string;
  serviceUrl?: string;
}

/** Pure builders of the three request bodies (PagerDuty REST API v2). */
export function scheduleBody(i: PagerDutyInputs) {
  return {
    schedule: {
      type: "schedule",
      name: `${i.name} on-call`,
      time_zone: i.timeZone,
      description: `On-call rotation of ${i.name} (managed by Plinth)`,
      schedule_layers: [
        {
          name: "Primary",
          start: i.rotation.start,
          rotation_virtual_start: i.rotation.virtualStart ?? i.rotation.start,
          rotation_turn_length_seconds: i.rotation.turnLengthSeconds,
          users: i.rotation.userIds.map((id) => ({ user: { id, type: "user_reference" } })),
        },
      ],
    },
  };
}

export function escalationPolicyBody(i: PagerDutyInputs, scheduleId: string) {
  return {
    escalation_policy: {
      type: "escalation_policy",
      name: `${i.name} escalation`,
      description: `Escalation of ${i.name} (managed by Plinth)`,
      ...(i.numLoops !== undefined ? { num_loops: i.numLoops } : {}),
      escalation_rules: [
        { escalation_delay_in_minutes: i.escalationDelayMinutes, targets: [{ id: scheduleId, type: "schedule_reference" }] },
      ],
    },
  };
}

export function serviceBody(i: PagerDutyInputs, escalationPolicyId: string) {
  return {
    service: {
      type: "service",
      name: i.name,
      ...(i.description !== undefined ? { description: i.description } : {}),
      escalation_policy: { id: escalationPolicyId, type: "escalation_policy_reference" },
    },
  };
}

async function pd(i: PagerDutyInputs, ctx: ActionContext, method: ApiRequest["method"], path: string, body?: unknown) {
  const headers: Record<string, string> = {
    Authorization: `Token token=${i.apiKey}`,
    Accept: "application/vnd.pagerduty+json;version=2",
  };
  if (i.fromEmail) headers.From = i.fromEmail;
  return callApi({ method, url: `${i.baseUrl}${path}`, headers, body }, ctx, {
    api: "PagerDuty",
    code: "PagerDutyApiError",
    secrets: [i.apiKey],
    errorText: (b) => {
      const e = (b as { error?: { message?: string; errors?: string[] } } | undefined)?.error;
      if (!e) return undefined;
      return [e.message, ...(e.errors ?? [])].filter(Boolean).join(": ");
    },
  });
}

async function createOne(i: PagerDutyInputs, ctx: ActionContext, path: string, key: string, body: unknown): Promise<{ id: string; html_url?: string }> {
  const res = await pd(i, ctx, "POST", path, body);
  const obj = (res.body as Record<string, { id?: string; html_url?: string }> | undefined)?.[key];
  if (!obj || typeof obj.id !== "string") throw new RemoteError(`PagerDuty POST ${path} answered without ${key}.id`, { api: "PagerDuty" }, "PagerDutyApiError");
  return { id: obj.id, html_url: obj.html_url };
}

/** DELETE that treats 404 as already gone. */
async function deleteOne(i: PagerDutyInputs, ctx: ActionContext, path: string, log: (m: string) => void): Promise<void> {
  try {
    await pd(i, ctx, "DELETE", path);
  } catch (err) {
    if (err instanceof RemoteError && (err.details as { status?: number } | undefined)?.status === 404) {
      log(`pagerduty: ${path} was already gone`);
      return;
    }
    throw err;
  }
}

/**
 * PagerDuty on-call step: a schedule (one rotation layer), an escalation policy that pages the
 * schedule, and a service using that policy. Update PUTs only the objects whose body changed; delete
 * removes service, policy, schedule in that order (a schedule in use cannot be deleted). A create
 * that fails half way deletes what it made before rethrowing.
 */
export const pagerDutyHandler: ActionHandler<PagerDutyInputs, PagerDutyState> = {
  kind: "pagerduty",
  validate: (inputs) => parseWith(pagerDutyInputsSchema, inputs),

  async create(i, ctx) {
    const log = redactingLog(ctx.log, [i.apiKey]);
    const made: string[] = [];
    try {
      const schedule = await createOne(i, ctx, "/schedules", "schedule", scheduleBody(i));
      made.push(`/schedules/${schedule.id}`);
      const policy = await createOne(i, ctx, "/escalation_policies", "escalation_policy", escalationPolicyBody(i, schedule.id));
      made.push(`/escalation_policies/${policy.id}`);
      const service = await createOne(i, ctx, "/services", "service", serviceBody(i, policy.id));
      log(`pagerduty: created schedule ${schedule.id}, escalation policy ${policy.id}, service ${service.id}`);
      return { scheduleId: schedule.id, escalationPolicyId: policy.id, serviceId: service.id, ...(service.html_url ? { serviceUrl: service.html_url } : {}) };
    } catch (err) {
      for (const path of made.reverse()) {
        try {
          await deleteOne(i, ctx, path, log);
          log(`pagerduty: rolled back ${path}`);
        } catch {
          log(`pagerduty: could not roll back ${path}; delete it by hand`);
        }
      }
      throw err;
    }
  },

  async update(old, oi, i, ctx) {
    const log = redactingLog(ctx.log, [i.apiKey]);
    if (!jsonEqual(scheduleBody(oi), scheduleBody(i))) {
      await pd(i, ctx, "PUT", `/schedules/${old.scheduleId}`, scheduleBody(i));
      log(`pagerduty: updated schedule ${old.scheduleId}`);
    }
    if (!jsonEqual(escalationPolicyBody(oi, old.scheduleId), escalationPolicyBody(i, old.scheduleId))) {
      await pd(i, ctx, "PUT", `/escalation_policies/${old.escalationPolicyId}`, escalationPolicyBody(i, old.scheduleId));
      log(`pagerduty: updated escalation policy ${old.escalationPolicyId}`);
    }
    let serviceUrl = old.serviceUrl;
    if (!jsonEqual(serviceBody(oi, old.escalationPolicyId), serviceBody(i, old.escalationPolicyId))) {
      const res = await pd(i, ctx, "PUT", `/services/${old.serviceId}`, serviceBody(i, old.escalationPolicyId));
      serviceUrl = (res.body as { service?: { html_url?: string } } | undefined)?.service?.html_url ?? serviceUrl;
      log(`pagerduty: updated service ${old.serviceId}`);
    }
    return { ...old, ...(serviceUrl ? { serviceUrl } : {}) };
  },

  async delete(state, i, ctx) {
    const log = redactingLog(ctx.log, [i.apiKey]);
    await deleteOne(i, ctx, `/services/${state.serviceId}`, log);
    await deleteOne(i, ctx, `/escalation_policies/${state.escalationPolicyId}`, log);
    await deleteOne(i, ctx, `/schedules/${state.scheduleId}`, log);
    log(`pagerduty: deleted service ${state.serviceId}, escalation policy ${state.escalationPolicyId}, schedule ${state.scheduleId}`);
  },

  diff(oi, i) {
    const replaces = changedFields(oi, i, ["baseUrl"]);
    return { changes: !jsonEqual(oi, i), ...(replaces.length ? { replaces } : {}) };
  },
};
