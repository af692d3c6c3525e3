/** The platform registry as read-only cluster-scoped Kubernetes objects (`platform.plinth.dev/v1alpha1`). */
import type { PlatformService } from "../core/types";
import { apiVersionOf, type KubeKind } from "./kinds";
import type { KubeObject } from "./table";

/** Registry objects change only with the platform's `up`; their version is that of the registry's content. */
function object(kind: KubeKind, name: string, spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return { apiVersion: apiVersionOf(kind), kind: kind.kind, metadata: { name, resourceVersion: "1", generation: 1 }, spec, status };
}

export function registryObjects(kind: KubeKind, service: PlatformService): KubeObject[] {
  switch (kind.registry) {
    case "promises":
      return service.promises().map((p) =>
        object(kind, p.name, { version: p.version, api: { apiVersion: p.apiVersion, kind: p.kind, plural: p.plural }, schema: p.schema }, { destinations: p.destinations }),
      );
    case "destinations":
      return service.destinations().map((d) => object(kind, d.name, { labels: d.labels, path: d.path, strictMatchLabels: d.strictMatchLabels, stateStore: d.stateStore }, {}));
    case "statestores":
      return service.stateStores().map((s) => object(kind, s.name, { url: s.url, branch: s.branch, path: s.path }, {}));
    default:
      return [];
  }
}
