/** A small path router: templates like `/v1/requests/{namespace}/{kind}/{name}`, per-method handlers. */
import { BadRequestError } from "../../components/errors";

export interface Route<H> {
  /** The template, also the `route` label on metrics. */
  template: string;
  methods: Partial<Record<string, H>>;
  /** Served without authentication (the handler checks what it needs, e.g. signing in). */
  public?: boolean;
  /** A Kubernetes-compatible route: errors are answered as `metav1.Status`. */
  kube?: boolean;
}

export interface RouteMatch<H> {
  route: Route<H>;
  params: Record<string, string>;
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

/** The route whose template matches `pathname` (a trailing slash is ignored), with decoded params. */
export function matchRoute<H>(routes: readonly Route<H>[], pathname: string): RouteMatch<H> | undefined {
  const parts = split(pathname);
  for (const route of routes) {
    const tpl = split(route.template);
    if (tpl.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < tpl.length && ok; i++) {
      const t = tpl[i];
      if (t.startsWith("{") && t.endsWith("}")) {
        let v: string;
        try {
          v = decodeURIComponent(parts[i]);
        } catch {
          throw new BadRequestError(`path segment "${parts[i]}" is not valid percent-encoding`, { segment: i }, "MalformedPath");
        }
        params[t.slice(1, -1)] = v;
      } else if (t !== parts[i]) {
        ok = false;
      }
    }
    if (ok) return { route, params };
  }
  return undefined;
}
