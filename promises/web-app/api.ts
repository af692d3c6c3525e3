/** The web-app Promise's API (the request spec) and its organisation config, as zod schemas. */
import { z } from "zod";
import { isDns1123Label } from "../../components/vocabulary/names";
import { jenkinsPlugin } from "../jenkins/promise";
import { notificationsConfig } from "./notifications";

const IMAGE = /^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const HOST = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

export const webAppSpec = z.object({
  /** Application name: names the Deployment, Service and host. */
  name: z
    .string()
    .refine(isDns1123Label, "must be lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters")
    .refine((n) => !/^\d+$/.test(n), "must not be only digits"),
  /** Container image of the application. */
  image: z.string().max(512).regex(IMAGE, "must be a container image reference such as ghcr.io/org/app:1.0.0"),
  /** Environment variables of the application container. */
  env: z.record(z.string().regex(ENV_NAME, "must be an environment variable name"), z.string()).default({}),
  /** Database deployed with the application. */
  dbDriver: z.enum(["postgresql", "none"]).default("none"),
  service: z
    .object({ port: z.number().int().min(1, "must be a port number 1–65535").max(65535, "must be a port number 1–65535").default(8080) })
    .prefault({}),
});
export type WebAppSpec = z.output<typeof webAppSpec>;

const labels = z.record(z.string(), z.string());

export const webAppConfig = z.object({
  /** Labels of the platform destination that reconciles the child requests. */
  platformLabels: labels.default({ environment: "platform" }),
  /** Labels of the workers apps run on; empty: any non-strict destination. */
  workerLabels: labels.default({}),
  /** Port the application container listens on (the Service forwards service.port to it). */
  containerPort: z.number().int().min(1).max(65535).default(8080),
  replicas: z.number().int().min(1, "must be at least 1").max(50).default(1),
  /** Domain of app hosts (`<name>.<baseDomain>`); default: the nginx-ingress Promise's. */
  baseDomain: z.string().regex(HOST, "must be a lowercase DNS name with a dot").optional(),
  jenkins: z.object({ env: z.enum(["dev", "prod"]).default("dev"), plugins: z.array(jenkinsPlugin).default([]) }).prefault({}),
  database: z
    .object({
      env: z.enum(["dev", "prod"]).default("dev"),
      /** Team role owning app databases. */
      teamId: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits and '-'").max(30).default("app"),
    })
    .prefault({}),
  /** Optional announcements of each app: Slack message, PagerDuty service + on-call schedule, Zendesk ticket. */
  notifications: notificationsConfig.optional(),
});
export type WebAppConfig = z.output<typeof webAppConfig>;
