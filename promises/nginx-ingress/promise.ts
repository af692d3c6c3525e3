/**
 * `nginx-ingress`: the ingress-nginx controller, installed with its Helm chart through Flux (pinned), and
 * per request an `Ingress` of the organisation's ingress class with the `Service` behind it.
 *
 * The Kratix Marketplace `nginx-ingress` Promise has no resource API (`api: null`: installing it installs
 * the controller), so there is no Kratix example request; the request API here is Plinth's own
 * (`plinth.dev/v1alpha1 NginxIngress`): host, path and the backing service's port, target port and selector.
 */
import { z } from "zod";
import { definePromise, type K8sObject } from "../../components/promise";
import { helmChartConfig, helmChartDependencies } from "../../components/promise/flux";
import { isDns1123Label } from "../../components/vocabulary/names";

const HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const port = z.number().int().min(1, "must be a port number 1–65535").max(65535, "must be a port number 1–65535");
const label = z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "must be a label value").max(63);

export const nginxIngressSpec = z.object({
  /** Host name routed to the service; default `<name>.<baseDomain>` from the organisation config. */
  host: z.string().regex(HOST, "must be a lowercase DNS name with a dot, e.g. shop.example.com").optional(),
  path: z.string().regex(/^\/\S*$/, "must be an absolute path starting with /").default("/"),
  pathType: z.enum(["Prefix", "Exact", "ImplementationSpecific"]).default("Prefix"),
  service: z
    .object({
      /** Name of the Service (and Ingress); default: the request's name. */
      name: z.string().refine(isDns1123Label, "must be a DNS-1123 label").optional(),
      /** Port the Service exposes and the Ingress routes to. */
      port: port.default(80),
      /** Container port the Service forwards to. */
      targetPort: port.default(8080),
      /** Pods behind the Service; default `{ app: <service name> }`. */
      selector: z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "must be a label key"), label).optional(),
    })
    .prefault({}),
  /** Serve TLS from this Secret (kubernetes.io/tls in the request's namespace). */
  tls: z.object({ secretName: z.string().refine(isDns1123Label, "must be a Secret name (DNS-1123 label)") }).optional(),
});

export const nginxIngressConfig = z.object({
  controller: helmChartConfig({
    namespace: "ingress-nginx",
    repository: "https://kubernetes.github.io/ingress-nginx",
    chart: "ingress-nginx",
    version: "4.14.1",
  }),
  /** IngressClass the controller serves and every Ingress uses. */
  ingressClassName: z.string().refine(isDns1123Label, "must be a DNS-1123 label").default("nginx"),
  /** Make that class the cluster default. */
  defaultClass: z.boolean().default(false),
  /** Domain of default hosts: `<name>.<baseDomain>`. */
  baseDomain: z.string().regex(HOST, "must be a lowercase DNS name with a dot").default("local.gd"),
  replicas: z.number().int().min(1, "must be at least 1").max(20).default(1),
  serviceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).default("LoadBalancer"),
  /** Annotations added to every Ingress (e.g. cert-manager issuers). */
  annotations: z.record(z.string(), z.string()).default({}),
});
export type NginxIngressConfig = z.output<typeof nginxIngressConfig>;
export type NginxIngressSpec = z.output<typeof nginxIngressSpec>;

const LABELS = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": "nginx-ingress" };

/** The Service and Ingress of one request. */
export function ingressObjects(args: { name: string; namespace: string; spec: NginxIngressSpec; config: NginxIngressConfig }): { service: K8sObject; ingress: K8sObject; host: string } {
  const { spec, config, namespace } = args;
  const svc = spec.service.name ?? args.name;
  const host = spec.host ?? `${args.name}.${config.baseDomain}`;
  const labels = { ...LABELS, "app.kubernetes.io/name": svc };
  const service: K8sObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: svc, namespace, labels },
    spec: {
      type: "ClusterIP",
      selector: spec.service.selector ?? { app: svc },
      ports: [{ name: "http", port: spec.service.port, targetPort: spec.service.targetPort, protocol: "TCP" }],
    },
  };
  const ingressSpec: Record<string, unknown> = {
    ingressClassName: config.ingressClassName,
    rules: [{ host, http: { paths: [{ path: spec.path, pathType: spec.pathType, backend: { service: { name: svc, port: { number: spec.service.port } } } }] } }],
  };
  if (spec.tls) ingressSpec.tls = [{ hosts: [host], secretName: spec.tls.secretName }];
  const metadata: K8sObject["metadata"] = { name: svc, namespace, labels };
  if (Object.keys(config.annotations).length) metadata.annotations = config.annotations;
  const ingress: K8sObject = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata, spec: ingressSpec };
  return { service, ingress, host };
}

export const nginxIngressPromise = definePromise({
  name: "nginx-ingress",
  version: "0.1.0",
  description: "The ingress-nginx controller, and an Ingress with its Service per request",
  api: { group: "plinth.dev", version: "v1alpha1", kind: "NginxIngress", plural: "nginxingresses", spec: nginxIngressSpec },
  config: nginxIngressConfig,
  dependencies: ({ config }) =>
    helmChartDependencies({
      release: "ingress-nginx",
      chart: config.controller,
      values: {
        controller: {
          replicaCount: config.replicas,
          ingressClassResource: { name: config.ingressClassName, enabled: true, default: config.defaultClass },
          service: { type: config.serviceType },
        },
      },
      labels: { "plinth.dev/promise": "nginx-ingress" },
    }),
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "ingress",
              render: ({ object, config }) => {
                const { service, ingress, host } = ingressObjects({ name: object.metadata.name, namespace: object.metadata.namespace, spec: object.spec, config });
                const scheme = object.spec.tls ? "https" : "http";
                return {
                  files: { "service.yaml": service, "ingress.yaml": ingress },
                  status: { host, endpoint: `${scheme}://${host}${object.spec.path === "/" ? "" : object.spec.path}`, service: service.metadata.name },
                };
              },
            },
          ],
        },
      ],
    },
  },
  outputs: ({ status }) => ({ endpoint: status.endpoint, host: status.host }),
});
