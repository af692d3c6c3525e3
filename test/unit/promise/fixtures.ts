/** A small Promise used by the promise tests. */
import { z } from "zod";
import { definePromise } from "../../../components/promise";
import type { DestinationSpec } from "../../../components/vocabulary/destination";

export const cachePromise = definePromise({
  name: "cache",
  version: "1.2.0",
  api: {
    group: "plinth.dev",
    version: "v1alpha1",
    kind: "Cache",
    spec: z.object({
      size: z.number().int().min(1).default(1),
      engine: z.enum(["redis", "valkey"]).default("redis"),
      replicas: z.array(z.object({ zone: z.string().min(1) })).optional(),
    }),
  },
  config: z.object({ registry: z.string().default("docker.io"), maxSize: z.number().int().default(8) }),
  destinationSelectors: [{ matchLabels: { env: "dev" } }],
  requiredPromises: [{ name: "namespace" }],
  dependencies: ({ config }) => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "cache-system" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cache-defaults", namespace: "cache-system" }, data: { registry: config.registry } },
  ],
  workflows: {
    promise: {
      configure: [{ name: "crds", steps: [{ name: "render", render: () => ({ files: { "crd.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cache-crd" } } } }) }] }],
    },
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "deployment",
              render: ({ object, config }) => {
                if (object.spec.size > config.maxSize) throw new Error(`spec.size ${object.spec.size} exceeds the organisation maximum ${config.maxSize}`);
                return {
                  files: {
                    "deployment.yaml": { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: object.metadata.name, namespace: object.metadata.namespace }, spec: { replicas: object.spec.size } },
                    "monitoring/rule.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${object.metadata.name}-rules` } },
                  },
                  status: { endpoint: `${object.metadata.name}.${object.metadata.namespace}.svc:6379` },
                  destinationSelectors: [{ directory: "monitoring", matchLabels: { role: "monitoring" } }],
                };
              },
            },
          ],
        },
      ],
    },
  },
  outputs: ({ status }) => ({ endpoint: status.endpoint }),
});

export const dest = (name: string, labels: Record<string, string>, extra: Partial<DestinationSpec> = {}): DestinationSpec => ({ name, labels, stateStore: "main", ...extra });
export const destinations = [
  dest("dev-aws", { env: "dev", cloud: "aws" }),
  dest("prod-gcp", { env: "prod", cloud: "gcp" }, { path: "clusters/prod-gcp" }),
  dest("dev-edge", { env: "dev", role: "monitoring" }, { path: "edge/dev" }),
];
