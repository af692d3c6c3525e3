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
import { definePromise, type K8sObject } from "../../components/promise";
import { databaseOf, ingressRequest, jenkinsRequest, postgresqlRequest, type Parent } from "./children";
import { notificationSteps } from "./notifications";
import { webAppConfig, webAppSpec, type WebAppConfig, type WebAppSpec } from "./api";

export { webAppConfig, webAppSpec, type WebAppConfig, type WebAppSpec };

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
