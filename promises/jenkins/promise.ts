/**
 * `jenkins`: the Kratix Marketplace Jenkins API (marketplace.kratix.io/v1alpha1 `jenkins`: env dev|prod,
 * plugins) on the Jenkins Operator. Dependencies: the operator's Helm chart through Flux, pinned. A request
 * renders a `jenkins.io/v1alpha2 Jenkins` custom resource with the organisation's base and default plugins.
 */
import { z } from "zod";
import { definePromise, type K8sObject } from "../../components/promise";
import { helmChartConfig, helmChartDependencies } from "../../components/promise/flux";
import { isDns1123Label } from "../../components/vocabulary/names";

const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const quantity = z.string().regex(QUANTITY, "must be a Kubernetes quantity, e.g. 500m, 2, 4Gi");
const resources = z.object({ requests: z.object({ cpu: quantity, memory: quantity }), limits: z.object({ cpu: quantity, memory: quantity }) });

/** A Jenkins plugin as the Jenkins operator takes it. */
export const jenkinsPlugin = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be a Jenkins plugin id, e.g. opentelemetry"),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must be a plugin version, e.g. 2.11.0"),
  downloadURL: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s):// URL").optional(),
});
export type JenkinsPlugin = z.output<typeof jenkinsPlugin>;

export const jenkinsSpec = z.object({
  /** `dev` or `prod`: environment-specific sizing (Kratix: prod comes with more resources). */
  env: z.enum(["dev", "prod"]).default("dev"),
  /** Plugins to install besides the organisation's defaults. */
  plugins: z.array(jenkinsPlugin).default([]),
});

export const jenkinsConfig = z.object({
  operator: helmChartConfig({
    namespace: "jenkins-operator",
    repository: "https://raw.githubusercontent.com/jenkinsci/kubernetes-operator/master/chart",
    chart: "jenkins-operator",
    version: "0.8.1",
  }),
  /** Jenkins controller image. */
  image: z.string().min(1).default("jenkins/jenkins:2.479.2-jdk17"),
  /** Plugins the operator needs in every instance (its `basePlugins`). */
  basePlugins: z.array(jenkinsPlugin).default([
    { name: "kubernetes", version: "3802.vb_b_600831fcb_3" },
    { name: "workflow-job", version: "1498.v33a_0c6f3a_4b_4" },
    { name: "workflow-cps", version: "4002.v80ca_d0f47d7f" },
    { name: "workflow-multibranch", version: "783.va_6eb_ef636fb_d" },
    { name: "workflow-aggregator", version: "2.6" },
    { name: "git", version: "5.1.0" },
    { name: "git-client", version: "4.4.0" },
    { name: "job-dsl", version: "1.78.3" },
    { name: "configuration-as-code", version: "1850.va_a_8c31d3158b_" },
    { name: "kubernetes-credentials-provider", version: "1.208.v128ee9800c04" },
  ]),
  /** Plugins every team gets on top of the base plugins; a request's plugin of the same name wins. */
  defaultPlugins: z.array(jenkinsPlugin).default([]),
  /** Namespace Jenkins instances are created in; default: the request's namespace. */
  instanceNamespace: z.string().refine(isDns1123Label, "must be a DNS-1123 label").optional(),
  serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP"),
  sizes: z
    .object({
      dev: resources.default({ requests: { cpu: "1", memory: "500Mi" }, limits: { cpu: "1500m", memory: "3Gi" } }),
      prod: resources.default({ requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "4", memory: "6Gi" } }),
    })
    .prefault({}),
});
export type JenkinsConfig = z.output<typeof jenkinsConfig>;

const LABELS = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": "jenkins" };

/** Default plugins overlaid by the requested ones (same name: the request's version wins), in order. */
export function mergePlugins(defaults: JenkinsPlugin[], requested: JenkinsPlugin[]): JenkinsPlugin[] {
  const byName = new Map<string, JenkinsPlugin>();
  for (const p of [...defaults, ...requested]) byName.set(p.name, p);
  return [...byName.values()];
}

/** The `jenkins.io/v1alpha2 Jenkins` custom resource of one request. */
export function jenkinsInstance(args: { name: string; namespace: string; env: "dev" | "prod"; plugins: JenkinsPlugin[]; config: JenkinsConfig }): K8sObject {
  const { config, env } = args;
  return {
    apiVersion: "jenkins.io/v1alpha2",
    kind: "Jenkins",
    metadata: { name: `${env}-${args.name}`, namespace: args.namespace, labels: { ...LABELS, "plinth.dev/env": env } },
    spec: {
      jenkinsAPISettings: { authorizationStrategy: "createUser" },
      master: {
        disableCSRFProtection: false,
        containers: [
          {
            name: "jenkins-master",
            image: config.image,
            imagePullPolicy: "IfNotPresent",
            resources: config.sizes[env],
            env: [{ name: "JAVA_OPTS", value: "-XX:MinRAMPercentage=50.0 -XX:MaxRAMPercentage=80.0 -Djenkins.install.runSetupWizard=false -Djava.awt.headless=true" }],
          },
        ],
        basePlugins: config.basePlugins,
        plugins: mergePlugins(config.defaultPlugins, args.plugins),
      },
      service: { type: config.serviceType, port: 8080 },
    },
  };
}

export const jenkinsPromise = definePromise({
  name: "jenkins",
  version: "0.1.0",
  description: "Jenkins as a Service on the Jenkins Operator (Kratix Marketplace API)",
  api: { group: "marketplace.kratix.io", version: "v1alpha1", kind: "jenkins", plural: "jenkins", spec: jenkinsSpec },
  config: jenkinsConfig,
  dependencies: ({ config }) =>
    helmChartDependencies({
      release: "jenkins-operator",
      chart: config.operator,
      // The chart would otherwise also create a Jenkins of its own; instances come from requests.
      values: { jenkins: { enabled: false } },
      labels: { "plinth.dev/promise": "jenkins" },
    }),
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "jenkins-instance",
              render: ({ object, config }) => {
                const namespace = config.instanceNamespace ?? object.metadata.namespace;
                const cr = jenkinsInstance({ name: object.metadata.name, namespace, env: object.spec.env, plugins: object.spec.plugins, config });
                const service = `jenkins-operator-http-${cr.metadata.name}`;
                return {
                  files: { "jenkins-instance.yaml": cr },
                  status: {
                    instanceName: cr.metadata.name,
                    namespace,
                    url: `http://${service}.${namespace}.svc:8080`,
                    plugins: (cr.spec as { master: { plugins: JenkinsPlugin[] } }).master.plugins.map((p) => `${p.name}@${p.version}`),
                  },
                };
              },
            },
          ],
        },
      ],
    },
  },
  outputs: ({ status }) => ({ instanceName: status.instanceName, namespace: status.namespace, url: status.url }),
});
