/**
 * A kubeconfig for one team: the Plinth API as the cluster, the team's bearer token as the user, its
 * first namespace as the default. `plinth kubeconfig` and `npm start` write it; kubectl, client-go and
 * the Pulumi Kubernetes provider read it.
 */
import * as YAML from "yaml";

export interface KubeconfigArgs {
  /** The API's URL, e.g. `http://127.0.0.1:8080`. */
  server: string;
  token: string;
  team: string;
  namespace?: string;
  /** Name of the cluster and context (default `plinth`). */
  name?: string;
}

export function kubeconfigFor(a: KubeconfigArgs): string {
  const name = a.name ?? "plinth";
  const user = `${name}-${a.team}`;
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: a.server } }],
    users: [{ name: user, user: { token: a.token } }],
    contexts: [{ name, context: { cluster: name, user, ...(a.namespace ? { namespace: a.namespace } : {}) } }],
    "current-context": name,
    preferences: {},
  });
}

/** The namespace a team works in by default: its first one (`default` for the platform's `*`). */
export function defaultNamespace(namespaces: readonly string[] | "*"): string {
  return namespaces === "*" || namespaces.length === 0 ? "default" : namespaces[0];
}
