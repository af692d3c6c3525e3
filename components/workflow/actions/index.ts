import type { ActionHandler } from "./types";
import { slackHandler } from "./slack";
import { pagerDutyHandler } from "./pagerduty";
import { zendeskHandler } from "./zendesk";
import { webhookHandler } from "./webhook";

export type { ActionContext, ActionHandler, DiffResult, ValidateResult } from "./types";
export { slackHandler, slackInputsSchema, type SlackInputs, type SlackState } from "./slack";
export { pagerDutyHandler, pagerDutyInputsSchema, scheduleBody, escalationPolicyBody, serviceBody, type PagerDutyInputs, type PagerDutyState } from "./pagerduty";
export { zendeskHandler, zendeskInputsSchema, type ZendeskInputs, type ZendeskState } from "./zendesk";
export {
  webhookHandler,
  webhookInputsSchema,
  signWebhook,
  verifyWebhook,
  webhookBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  EVENT_HEADER,
  DELIVERY_HEADER,
  type WebhookInputs,
  type WebhookState,
} from "./webhook";
export { callApi, parseRetryAfter, backoffDelay, basicAuth, DEFAULT_RETRY, type ApiRequest, type ApiResponse, type ApiClientOptions, type RetryPolicy } from "./http";
export { redact, redactDeep, redactingLog, REDACTED } from "./redact";
export { validateOrThrow, jsonEqual as jsonEqualInputs } from "./validate";
export { Action, ACTION_TYPE, CREDENTIAL_FIELDS, secretCredentials, type ActionArgs } from "./resource";
export { runCommandStep, checkCommandStepOptions, type CommandStepOptions, type CommandStepResult, type KratixStepContext } from "./command";
export { parseGoDuration, type DestinationSelector, type WorkflowControl } from "./kratix-io";

/** Action handlers by kind, for the `plinth` provider (each checks its own inputs at run time). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers of different input and output types
export const actionHandlers: Record<string, ActionHandler<any, any>> = {
  [slackHandler.kind]: slackHandler,
  [pagerDutyHandler.kind]: pagerDutyHandler,
  [zendeskHandler.kind]: zendeskHandler,
  [webhookHandler.kind]: webhookHandler,
};
