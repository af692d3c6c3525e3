/**
 * The smallest Promise that exercises a cluster destination's GitOps loop: a `plinth.dev/v1alpha1
 * ConfigMapProbe` request becomes one ConfigMap (`data.value = spec.value`) in its namespace. With
 * `spec.malformed: true` the ConfigMap carries a number in `data`, a manifest kustomize builds but the API
 * server rejects, to show how a cluster's refusal surfaces (`Applied=False` with Flux's message).
 * Used by the end-to-end tests and `npm run bench -- --only request_to_applied_ms`; not in the Marketplace.
 */
import { z } from "zod";
import { definePromise } from "../../components/promise";

export const PROBE_API_VERSION = "plinth.dev/v1alpha1";
export const PROBE_KIND = "ConfigMapProbe";

export const configMapProbePromise = definePromise({
  name: "configmap-probe",
  version: "0.1.0",
  description: "One ConfigMap per request, to probe that a destination applies what Plinth writes",
  api: {
    group: "plinth.dev",
    version: "v1alpha1",
    kind: PROBE_KIND,
    plural: "configmapprobes",
    spec: z.object({ value: z.string().default("v1"), malformed: z.boolean().default(false) }),
  },
  config: z.object({}),
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "configmap",
              render: ({ object }) => ({
                files: {
                  "configmap.yaml": {
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
                    data: object.spec.malformed ? { count: 3 as unknown as string } : { value: object.spec.value },
                  },
                },
              }),
            },
          ],
        },
      ],
    },
  },
});
