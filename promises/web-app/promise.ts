/**
 * `web-app`, the Web App Golden Path: a compound Promise with the API of the Kratix Marketplace
 * `app-as-a-service` Promise (marketplace.kratix.io/v1 `app`: name, image, env, dbDriver, service.port).
 *
 * Like the Kratix Promise, its configure workflow writes the app's workload to a worker and its lower-level
 * requests into the `platform/` directory, selected to the platform destination (`environment: platform`),
 * where the platform agent reconciles them: a `jenkins` (CI), a `postgresql` when `dbDriver: postgresql`
 * (Kratix does the same) and an `NginxIngress` that puts a Service and an Ingress in front of the app (Kratix
 * renders those two itself; here the nginx-ingress Promise owns them, so they are not written twice).
 * With `notifications` in its config it also announces each app on Slack, gives it a PagerDuty service
 * with an on-call schedule and opens a Zendesk ticket (action steps, see notifications.ts).
 */
import { z } from "zod";
import { definePromise, type K8sObject } from "../../components/promise";
import { isDns1123Label } from "../../vocabulary/names";
import { jenkinsPlugin } from "../jenkins/promise";
import { databaseOf, ingressRequest, jenkinsRequest, postgresqlRequest, type Parent } from "./children";
import { notificationSteps, notificationsConfig } from "./notifications";

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

const LABELS = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": "web-app" };

/** The application's Deployment (database connection from the operator's Secret when it has one). */
export function appDeployment(parent: Parent, spec: WebAppSpec, config: WebAppConfig): K8sObject {
  const env: Record<string, unknown>[] = Object.keys(spec.env)
    .sort()
    .map((name) => ({ name, value: spec.env[name] }));
  if (spec.dbDriver === "postgresql") {
    const db = databaseOf(parent, config);
    env.push(
      { name: "PGHOST", value: db.host },
      { name: "DBNAME", value: db.dbName },
      { name: "PGUSER", valueFrom: { secretKeyRef: { name: db.secret, key: "username" } } },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: db.secret, key: "password" } } },
    );
  }
  const podLabels = { app: spec.name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: spec.name, namespace: parent.namespace, labels: { ...LABELS, ...podLabels } },
    spec: {
      replicas: config.replicas,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: { containers: [{ name: "app", image: spec.image, ports: [{ name: "http", containerPort: config.containerPort }], env }] },
      },
    },
  };
}

export const webAppPromise = definePromise({
  name: "web-app",
  version: "0.1.0",
  description: "Web App Golden Path: an app with CI, an optional PostgreSQL database and ingress (Kratix app-as-a-service API)",
  api: { group: "marketplace.kratix.io", version: "v1", kind: "app", plural: "apps", spec: webAppSpec },
  config: webAppConfig,
  requiredPromises: [{ name: "jenkins" }, { name: "postgresql" }, { name: "nginx-ingress" }],
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "app",
              render: ({ object, config }) => {
                const parent: Parent = { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace };
                return {
                  files: { "deployment.yaml": appDeployment(parent, object.spec, config) },
                  destinationSelectors: Object.keys(config.workerLabels).length ? [{ matchLabels: config.workerLabels }] : [],
                };
              },
            },
            {
              name: "child-requests",
              render: ({ object, config }) => {
                const parent: Parent = { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace };
                const children: K8sObject[] = [jenkinsRequest(parent, config), ingressRequest(parent, object.spec, config)];
                if (object.spec.dbDriver === "postgresql") {
                  const db = databaseOf(parent, config);
                  if (db.cluster.length > 63) throw new Error(`database cluster name "${db.cluster}" is longer than 63 characters: shorten metadata.name`);
                  children.push(postgresqlRequest(parent, config));
                }
                const files: Record<string, K8sObject> = {};
                for (const c of children) files[`platform/${c.kind.toLowerCase()}.yaml`] = c;
                const status: Record<string, unknown> = {
                  childRequests: children.map((c) => ({ apiVersion: c.apiVersion, kind: c.kind, namespace: c.metadata.namespace, name: c.metadata.name })),
                };
                if (config.baseDomain) status.endpoint = `http://${object.spec.name}.${config.baseDomain}`;
                if (object.spec.dbDriver === "postgresql") {
                  const db = databaseOf(parent, config);
                  status.database = { host: db.host, name: db.dbName, credentialsSecret: db.secret };
                }
                return { files, status, destinationSelectors: [{ directory: "platform", matchLabels: config.platformLabels }] };
              },
            },
            ...notificationSteps(),
          ],
        },
      ],
    },
  },
  outputs: ({ status }) => ({ endpoint: status.endpoint, childRequests: status.childRequests, database: status.database }),
});
