/**
 * What running Plinth's service on a Kubernetes cluster means, as data: the checked arguments and the
 * Kubernetes objects (ServiceAccount, Secrets, Deployment, PodDisruptionBudget, Service, Ingress) that
 * PlinthService creates. Pure: no Pulumi, no I/O. Secret values never appear here, only their names
 * and keys; the component fills them in as Pulumi secrets.
 */
import { z } from "zod";
import { ValidationError, formatIssues, type FieldIssue } from "../errors";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the component itself; `env`/`secretEnv` may not override them. */
export const RESERVED_ENV = ["PLINTH_PORT", "PLINTH_DATABASE_URL", "PLINTH_TEAMS", "PLINTH_DATA_DIR"] as const;

const label = (what: string) => z.string().regex(DNS1123_LABEL, `must be a DNS-1123 label (lowercase letters, digits and '-'): ${what}`).max(63, "must be at most 63 characters");
/** What is wrong with an environment variable name, if anything. */
function envNameIssue(n: string): string | undefined {
  if (!ENV_NAME.test(n)) return "must be an environment variable name such as PLINTH_SECRETS_PROVIDER";
  if ((RESERVED_ENV as readonly string[]).includes(n)) return `is set by PlinthService itself (${RESERVED_ENV.join(", ")})`;
  return undefined;
}
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/, "must be a Kubernetes quantity such as 500m, 1 or 512Mi");

/** The arguments PlinthService checks, without the secret values (those are Pulumi inputs). */
export const serviceSpecSchema = z.object({
  /** The service image your CI built from the repository's Dockerfile, e.g. `ghcr.io/acme/plinth:1.4.0`. */
  image: z.string().min(1, "is required: the image your CI built from the Dockerfile, e.g. ghcr.io/acme/plinth:1.4.0").regex(/^\S*$/, "must not contain spaces"),
  /** At least 2: one replica may be lost (node drain, crash) while the other serves. */
  replicas: z.number().int("must be a whole number").min(2, "must be at least 2 (a highly available service survives the loss of a replica)").default(2),
  namespace: label("the namespace the service runs in").default("plinth"),
  /** Create the namespace (false: it exists already). */
  createNamespace: z.boolean().default(true),
  /** The Ingress host app teams use, e.g. `plinth.example.com`. */
  host: z.string({ error: "is required: the DNS name app teams reach the service at, e.g. plinth.example.com" }).max(253).regex(DNS1123_SUBDOMAIN, "must be a DNS name such as plinth.example.com"),
  ingressClassName: label("an IngressClass name").optional(),
  /** A Secret in the namespace holding the host's certificate (`kubernetes.io/tls`); the endpoint is then https. */
  tlsSecretName: label("a Secret name").optional(),
  /** Annotations of the Ingress (the ingress controller's settings) and of the ServiceAccount (e.g. an IAM role for KMS). */
  ingressAnnotations: z.record(z.string(), z.string()).default({}),
  serviceAccountAnnotations: z.record(z.string(), z.string()).default({}),
  /** The port the service listens on in the container (`PLINTH_PORT`). */
  port: z.number().int().min(1024, "must be >= 1024 (the service runs as a non-root user)").max(65535).default(8080),
  /** Plain environment (not secret), e.g. `PLINTH_SECRETS_PROVIDER: awskms://…`. */
  env: z.record(z.string(), z.string()).default({}),
  /** Names of secret environment variables (their values are the component's `secretEnv` inputs). */
  secretEnv: z.array(z.string()).default([]),
  resources: z
    .object({
      requests: z.object({ cpu: quantity.default("250m"), memory: quantity.default("512Mi") }).prefault({}),
      limits: z.object({ memory: quantity.default("1Gi") }).prefault({}),
    })
    .prefault({}),
  /** The Pulumi Kubernetes provider does not wait for Pods, endpoints or a load balancer (a cluster without nodes). */
  skipAwait: z.boolean().default(false),
});

export type ServiceSpecInput = z.input<typeof serviceSpecSchema>;
export type ServiceSpec = z.output<typeof serviceSpecSchema>;

/** The uid/gid the Dockerfile's `plinth` user has; the pod runs as it. */
export const SERVICE_UID = 10001;
export const DATA_DIR = "/var/lib/plinth";

/** Checks the arguments (every issue with its field path); throws ValidationError `InvalidServiceArgs`. */
export function checkServiceSpec(name: string, input: unknown): ServiceSpec {
  const issues: FieldIssue[] = [];
  if (!DNS1123_LABEL.test(name) || name.length > 40) issues.push({ path: ["name"], message: "must be a DNS-1123 label of at most 40 characters (objects are named <name>-database, …)" });
  const res = serviceSpecSchema.safeParse(input);
  if (!res.success) for (const i of res.error.issues) issues.push({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: i.message });
  const raw = (typeof input === "object" && input !== null ? input : {}) as { env?: unknown; secretEnv?: unknown };
  const envKeys = typeof raw.env === "object" && raw.env !== null ? Object.keys(raw.env) : [];
  const secretKeys = Array.isArray(raw.secretEnv) ? raw.secretEnv.filter((k): k is string => typeof k === "string") : [];
  for (const [field, keys] of [["env", envKeys], ["secretEnv", secretKeys]] as const) {
    for (const k of keys) {
      const m = envNameIssue(k);
      if (m) issues.push({ path: [field, k], message: m });
    }
  }
  if (res.success) {
    const dup = res.data.secretEnv.find((n) => n in res.data.env);
    if (dup) issues.push({ path: ["secretEnv", dup], message: `"${dup}" is also in env; set it in one of them` });
  }
  if (issues.length) throw new ValidationError(`invalid PlinthService "${name}": ${formatIssues(issues)}`, issues, "InvalidServiceArgs");
  return res.data!;
}

/** A Kubernetes object as plain data. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, unknown>;

export interface ServicePlan {
  namespace?: KubeObject;
  serviceAccount: KubeObject;
  /** Secrets without data: the component adds `stringData` from secret inputs. Keys as listed. */
  secrets: { database: KubeObject; teams: KubeObject; env?: KubeObject };
  deployment: KubeObject;
  podDisruptionBudget: KubeObject;
  service: KubeObject;
  ingress: KubeObject;
  /** What app teams use: `https://<host>` with TLS, else `http://<host>`. */
  url: string;
}

/** Secret keys. */
export const DATABASE_URL_KEY = "url";
export const TEAMS_KEY = "teams.json";

/** The objects of one PlinthService named `name` (args already checked). */
export function planService(name: string, s: ServiceSpec): ServicePlan {
  const ns = s.namespace;
  const selector = { "app.kubernetes.io/name": "plinth", "app.kubernetes.io/instance": name };
  const labels = { ...selector, "app.kubernetes.io/component": "service", "app.kubernetes.io/managed-by": "plinth" };
  // No waiting for Pods, endpoints or a load balancer, and a delete that needs no garbage collector.
  const awaitAnnotations: Record<string, string> = s.skipAwait ? { "pulumi.com/skipAwait": "true", "pulumi.com/deletionPropagationPolicy": "background" } : {};
  const annotated = (extra: Record<string, string> = {}) => (Object.keys({ ...extra, ...awaitAnnotations }).length ? { annotations: { ...extra, ...awaitAnnotations } } : {});
  const meta = (n: string, annotations: Record<string, string> = {}) => ({ name: n, namespace: ns, labels, ...annotated(annotations) });
  const secret = (n: string): KubeObject => ({ apiVersion: "v1", kind: "Secret", metadata: meta(n), type: "Opaque" });
  const names = { database: `${name}-database`, teams: `${name}-teams`, env: `${name}-env` };
  const fromSecret = (env: string, secretName: string, key: string) => ({ name: env, valueFrom: { secretKeyRef: { name: secretName, key } } });
  const env = [
    { name: "PLINTH_PORT", value: String(s.port) },
    { name: "PLINTH_DATA_DIR", value: DATA_DIR },
    ...Object.entries(s.env).map(([k, value]) => ({ name: k, value })),
    fromSecret("PLINTH_DATABASE_URL", names.database, DATABASE_URL_KEY),
    fromSecret("PLINTH_TEAMS", names.teams, TEAMS_KEY),
    ...s.secretEnv.map((k) => fromSecret(k, names.env, k)),
  ];
  const probe = (p: string, o: Record<string, number>) => ({ httpGet: { path: p, port: "http" }, timeoutSeconds: 3, ...o });
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(name),
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: selector },
      // A rollout never goes below the desired count: one new Pod at a time, ready before an old one stops.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          // Long enough to hand leases back and finish a commit in flight (SIGTERM first).
          terminationGracePeriodSeconds: 60,
          securityContext: { runAsNonRoot: true, runAsUser: SERVICE_UID, runAsGroup: SERVICE_UID, fsGroup: SERVICE_UID, seccompProfile: { type: "RuntimeDefault" } },
          // Spread over nodes (and zones, best effort): losing one node takes at most one replica's share.
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } },
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
          ],
          containers: [
            {
              name: "plinth",
              image: s.image,
              ports: [{ name: "http", containerPort: s.port, protocol: "TCP" }],
              env,
              // Ready only while Postgres and Git are reachable; alive while the process answers.
              readinessProbe: probe("/readyz", { periodSeconds: 5, failureThreshold: 3 }),
              livenessProbe: probe("/healthz", { periodSeconds: 10, failureThreshold: 3 }),
              // Start-up (the platform registry, the first Git fetch) may take a while: liveness waits for it.
              startupProbe: probe("/healthz", { periodSeconds: 2, failureThreshold: 90 }),
              resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
              securityContext: { allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } },
              volumeMounts: [
                { name: "data", mountPath: DATA_DIR },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          // Scratch only: requests, the queue and Pulumi state live in Postgres, files in the Git remote.
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
  const pdbMin = Math.max(1, s.replicas - 1);
  return {
    ...(s.createNamespace ? { namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { "app.kubernetes.io/managed-by": "plinth" }, ...annotated() } } } : {}),
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(name, s.serviceAccountAnnotations), automountServiceAccountToken: false },
    secrets: { database: secret(names.database), teams: secret(names.teams), ...(s.secretEnv.length ? { env: secret(names.env) } : {}) },
    deployment,
    podDisruptionBudget: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(name),
      // A voluntary disruption (drain, upgrade) leaves all but one replica serving.
      spec: { minAvailable: pdbMin, selector: { matchLabels: selector } },
    },
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(name),
      spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
    },
    ingress: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: meta(name, s.ingressAnnotations),
      spec: {
        ...(s.ingressClassName ? { ingressClassName: s.ingressClassName } : {}),
        ...(s.tlsSecretName ? { tls: [{ hosts: [s.host], secretName: s.tlsSecretName }] } : {}),
        rules: [{ host: s.host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { name: "http" } } } }] } }],
      },
    },
    url: `${s.tlsSecretName ? "https" : "http"}://${s.host}`,
  };
}
