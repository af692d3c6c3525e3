/** Text of the files `plinth init promise <name>` writes: a working Promise and its test, to edit from. */

export interface PromiseNames {
  /** Promise name (DNS-1123 label), e.g. `message-queue`. */
  name: string;
  /** API kind, e.g. `MessageQueue`. */
  kind: string;
  /** API group, e.g. `plinth.dev`. */
  group: string;
  /** Identifier the Promise is exported as, e.g. `messageQueuePromise`. */
  ident: string;
}

/** `message-queue` → `MessageQueue`. */
export function pascalCase(name: string): string {
  return name
    .split("-")
    .filter(Boolean)
    .map((s) => s[0].toUpperCase() + s.slice(1))
    .join("");
}

/** `message-queue` → `messageQueue`. */
export function camelCase(name: string): string {
  const p = pascalCase(name);
  return /^[0-9]/.test(p) ? `p${p}` : p[0].toLowerCase() + p.slice(1);
}

export function promiseIndexTs(n: PromiseNames): string {
  const base = n.ident.replace(/Promise$/, "");
  return `export { ${n.ident}, ${base}Spec, ${base}Config } from "./promise";\n`;
}

export function promiseTs(n: PromiseNames): string {
  const base = n.ident.replace(/Promise$/, "");
  return `/**
 * \`${n.name}\`: TODO describe what a request gets.
 *
 * Scaffolded by \`plinth init promise ${n.name}\`. Edit the API (\`${base}Spec\`), the organisation config
 * (\`${base}Config\`), the Dependencies and the configure workflow. To install an operator the GitOps way,
 * return \`helmChartDependencies(...)\` from components/promise/flux.ts (Flux HelmRepository + pinned
 * HelmRelease) from \`dependencies\`, and render the operator's custom resource in the workflow.
 */
import { z } from "zod";
import { definePromise, type K8sObject } from "../../components/promise";
import { isDns1123Label } from "../../components/vocabulary/names";

const QUANTITY = /^\\d+(\\.\\d+)?(m|Mi|Gi)?$/;
const resources = z.object({
  cpu: z.string().regex(QUANTITY, "must be a CPU quantity such as 500m or 2"),
  memory: z.string().regex(QUANTITY, "must be a memory quantity such as 256Mi or 1Gi"),
});

/** The request's \`spec\` (defaults are applied when a request is validated). */
export const ${base}Spec = z.object({
  /** Team that owns the resource. */
  owner: z.string().refine(isDns1123Label, "must be a DNS-1123 label (lowercase letters, digits and '-')"),
  size: z.enum(["small", "large"]).default("small"),
});

/** Organisation config (set per platform at installation). */
export const ${base}Config = z.object({
  /** Namespace the Dependencies go to. */
  namespace: z.string().refine(isDns1123Label, "must be a DNS-1123 label").default("${n.name}-system"),
  sizes: z
    .object({
      small: resources.default({ cpu: "250m", memory: "256Mi" }),
      large: resources.default({ cpu: "1", memory: "1Gi" }),
    })
    .prefault({}),
});

const LABELS = { "app.kubernetes.io/managed-by": "plinth", "plinth.dev/promise": "${n.name}" };

export const ${n.ident} = definePromise({
  name: "${n.name}",
  version: "0.1.0",
  description: "TODO: one line for the marketplace catalogue",
  api: { group: "${n.group}", version: "v1alpha1", kind: "${n.kind}", spec: ${base}Spec },
  config: ${base}Config,
  dependencies: ({ config }): K8sObject[] => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: config.namespace, labels: LABELS } },
  ],
  workflows: {
    resource: {
      configure: [
        {
          name: "configure",
          steps: [
            {
              name: "render",
              render: ({ object, config }) => {
                const { name, namespace } = object.metadata;
                const size = config.sizes[object.spec.size];
                return {
                  files: {
                    "configmap.yaml": {
                      apiVersion: "v1",
                      kind: "ConfigMap",
                      metadata: { name, namespace, labels: { ...LABELS, "plinth.dev/owner": object.spec.owner } },
                      data: { size: object.spec.size, cpu: size.cpu, memory: size.memory },
                    },
                  },
                  status: { size: object.spec.size, owner: object.spec.owner },
                };
              },
            },
          ],
        },
      ],
    },
  },
  outputs: ({ status }) => ({ size: status.size, owner: status.owner }),
});
`;
}

export function promiseTestTs(n: PromiseNames): string {
  return `import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ${n.ident} } from "../../../promises/${n.name}";
import { renderRequest, renderDependencies, expectValid, expectInvalid } from "../../../promises/testing";
import { validatePromiseDefinition } from "../../../components/promise";

const req = (spec: unknown, name = "example") => ({ apiVersion: "${n.group}/v1alpha1", kind: "${n.kind}", metadata: { name }, spec });

describe("${n.name} Promise", () => {
  test("definition is valid", () => assert.deepEqual(validatePromiseDefinition(${n.ident}), []));

  test("validation: defaults applied, bad fields refused with their paths", () => {
    assert.deepEqual(expectValid(${n.ident}, req({ owner: "payments" })).spec, { owner: "payments", size: "small" });
    expectInvalid(${n.ident}, req({}), ["spec.owner"]);
    expectInvalid(${n.ident}, req({ owner: "Payments", size: "huge" }), ["spec.owner", "spec.size"]);
  });

  test("renders the request's objects to its resource path", async () => {
    const r = await renderRequest(${n.ident}, req({ owner: "payments", size: "large" }));
    const [cm] = r.objects.dev;
    assert.equal(cm.kind, "ConfigMap");
    assert.deepEqual(cm.data, { size: "large", cpu: "1", memory: "1Gi" });
    for (const p of Object.keys(r.files.dev)) assert.match(p, /^resources\\/default\\/${n.name}\\/example\\/configure\\/[0-9a-f]{5}\\/[a-z]+\\.yaml$/);
    assert.deepEqual(r.outputs, { size: "large", owner: "payments" });
  });

  test("dependencies go to every destination under dependencies/${n.name}/", async () => {
    const d = await renderDependencies(${n.ident}, { config: { namespace: "custom-ns" } });
    assert.deepEqual(d.objects.dev.map((o) => \`\${o.kind}/\${o.metadata.name}\`), ["Namespace/custom-ns"]);
    for (const p of Object.keys(d.files.dev)) assert.match(p, /^dependencies\\/${n.name}\\/static\\/[0-9a-f]{5}\\//);
  });
});
`;
}
