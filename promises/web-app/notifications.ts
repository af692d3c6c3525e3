/**
 * Notifications of the Web App Golden Path: for each one the organisation enables in its config, the
 * configure workflow declares an action (a Slack message, a PagerDuty service with an on-call schedule,
 * a Zendesk ticket). They run as `Action` resources: once when the app is requested, again only when
 * what they say changes (e.g. a new image), and are undone when the app is deleted.
 */
import { z } from "zod";
import type { ResourceRequestObject } from "../../components/promise";
import { actionStep } from "../../components/workflow/action-steps";
import type { CustomStep } from "../../components/workflow/types";

const required = (what: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? `required: ${what}` : "must be a string") }).min(1, `must not be empty: ${what}`);
const url = (what: string) =>
  z.url({ protocol: /^https?$/, error: (iss) => (iss.input === undefined ? `required: ${what}` : `must be an http(s) URL: ${what}`) });
const email = (what: string) => z.email({ error: (iss) => (iss.input === undefined ? `required: ${what}` : `must be an email address: ${what}`) });

export const notificationsConfig = z.object({
  slack: z
    .object({
      baseUrl: url("the Slack API base URL").optional(),
      botToken: required("a Slack bot token (xoxb-…) with the chat:write scope; keep it a Pulumi secret"),
      channel: required("the channel ID (C…) or name (#team) to announce apps in"),
    })
    .optional(),
  pagerduty: z
    .object({
      baseUrl: url("the PagerDuty API base URL").optional(),
      apiKey: required("a PagerDuty REST API key; keep it a Pulumi secret"),
      from: email("the email of the PagerDuty user the calls are made as"),
      users: z.array(required("a PagerDuty user ID (P…)"), { error: "required: the PagerDuty user IDs on call, in order" }).min(1, "must name at least one PagerDuty user ID"),
      timeZone: required("the schedule's time zone, e.g. Europe/London"),
      /** Start of the weekly rotation (fixed, so re-running the workflow changes nothing). */
      rotationStart: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time such as 2025-01-06T09:00:00Z" }).default("2025-01-06T09:00:00Z"),
    })
    .optional(),
  zendesk: z
    .object({
      baseUrl: url("your Zendesk URL, https://<subdomain>.zendesk.com"),
      email: email("the agent email that owns the API token"),
      apiToken: required("a Zendesk API token; keep it a Pulumi secret"),
      requester: z.object(
        { name: required("the requester's name"), email: email("the requester's email") },
        { error: (iss) => (iss.input === undefined ? "required: the ticket requester {name, email}" : "must be an object {name, email}") },
      ),
    })
    .optional(),
});
export type NotificationsConfig = z.output<typeof notificationsConfig>;

interface AppSpec {
  name: string;
  image: string;
}
type AppRequest = ResourceRequestObject<AppSpec>;
interface WithNotifications {
  notifications?: NotificationsConfig;
  baseDomain?: string;
}

function describeApp(object: AppRequest, config: WithNotifications): string {
  const ns = object.metadata.namespace;
  const where = config.baseDomain ? ` at http://${object.spec.name}.${config.baseDomain}` : "";
  return `Web app ${object.spec.name} (image ${object.spec.image}) of team ${ns}${where}`;
}

/** The Slack announcement, or nothing when Slack is not configured. */
export function slackInputs(object: AppRequest, config: WithNotifications): Record<string, unknown> | undefined {
  const s = config.notifications?.slack;
  if (!s) return undefined;
  return {
    ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
    botToken: s.botToken,
    channel: s.channel,
    text: `${describeApp(object, config)} is being deployed by Plinth.`,
    deleteText: `Web app ${object.spec.name} of team ${object.metadata.namespace} was deleted.`,
  };
}

/** The app's PagerDuty service with its schedule and escalation policy, or nothing. */
export function pagerDutyInputs(object: AppRequest, config: WithNotifications): Record<string, unknown> | undefined {
  const p = config.notifications?.pagerduty;
  if (!p) return undefined;
  return {
    ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}),
    apiKey: p.apiKey,
    fromEmail: p.from,
    name: `${object.metadata.namespace}-${object.spec.name}`,
    description: describeApp(object, config),
    timeZone: p.timeZone,
    rotation: { start: p.rotationStart, userIds: p.users },
  };
}

/** A Zendesk ticket recording the app, or nothing. */
export function zendeskInputs(object: AppRequest, config: WithNotifications): Record<string, unknown> | undefined {
  const z = config.notifications?.zendesk;
  if (!z) return undefined;
  return {
    baseUrl: z.baseUrl,
    email: z.email,
    apiToken: z.apiToken,
    requester: z.requester,
    subject: `Web app ${object.metadata.namespace}/${object.spec.name} provisioned`,
    body: `${describeApp(object, config)} was requested through the Web App Golden Path.`,
    tags: ["plinth", "web-app", `team-${object.metadata.namespace}`],
  };
}

/** The configure workflow's notification steps (each declares nothing when its service is off). */
export function notificationSteps<O extends AppRequest, C extends WithNotifications>(): CustomStep[] {
  return [
    actionStep<O, C>("slack", "notify-slack", ({ object, config }) => slackInputs(object, config)),
    actionStep<O, C>("pagerduty", "oncall", ({ object, config }) => pagerDutyInputs(object, config)),
    actionStep<O, C>("zendesk", "ticket", ({ object, config }) => zendeskInputs(object, config)),
  ];
}
