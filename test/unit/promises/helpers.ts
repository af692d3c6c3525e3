/** Shared helpers of the marketplace Promise tests: Kratix fixtures, `kubectl kustomize` builds, Flux CRDs. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import type { PlacementSpec } from "../../../components/promise";
import type { K8sObject } from "../../../components/promise";
import { validateCustomResource, type CrdObject, type JsonSchema } from "../../../components/flux/crd-validate";
import { fluxCrds } from "../flux/crds";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** Text and parsed object of `test/fixtures/kratix/<name>.yaml`. */
export function kratixFixture(name: string): { text: string; object: Record<string, unknown> } {
  const text = fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "kratix", `${name}.yaml`), "utf8");
  return { text, object: YAML.parse(text) };
}

/**
 * Writes each placement directory to a temp dir and builds it with `kubectl kustomize`; returns the built
 * objects per placement dir. Throws (with kubectl's message) when a directory does not build.
 */
export function kustomizeBuild(placements: PlacementSpec[]): Record<string, K8sObject[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-kustomize-"));
  try {
    const out: Record<string, K8sObject[]> = {};
    for (const p of placements) {
      const dir = path.join(tmp, p.dir);
      for (const [f, content] of Object.entries(p.files)) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.writeFileSync(path.join(dir, f), content);
      }
      const built = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      out[p.dir] = YAML.parseAllDocuments(built).map((d) => d.toJSON() as K8sObject).filter((o) => o !== null);
    }
    return out;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

let crds: Promise<CrdObject[]> | undefined;
/** Every Flux object among `objects` validated against the controller-gen Flux CRDs; returns `kind/name: issue` lines. */
export async function fluxIssues(objects: K8sObject[]): Promise<string[]> {
  crds ??= fluxCrds();
  const all = await crds;
  return objects
    .filter((o) => o.apiVersion.includes(".toolkit.fluxcd.io/"))
    .flatMap((o) => validateCustomResource(all, o).map((i) => `${o.kind}/${o.metadata.name} ${i.path}: ${i.message}`));
}

/** Validates against a schema of the fields an operator documents as required (a CRD-like subset). */
export function operatorCrd(group: string, version: string, kind: string, schema: JsonSchema): CrdObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.toLowerCase()}s.${group}` },
    spec: { group, names: { kind, plural: `${kind.toLowerCase()}s` }, scope: "Namespaced", versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
  };
}
