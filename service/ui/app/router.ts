/** Hash routes of the portal (every page is served at `/ui/`). Pure: parse and format. */

export type Route =
  | { page: "signin"; code?: string }
  | { page: "catalog" }
  | { page: "new"; promise: string }
  | { page: "requests"; namespace?: string; kind?: string }
  | { page: "detail"; namespace: string; kind: string; name: string }
  | { page: "edit"; namespace: string; kind: string; name: string }
  | { page: "destinations" }
  | { page: "notfound"; hash: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, "") || "/";
  const [p, q = ""] = h.split("?");
  const query = new URLSearchParams(q);
  const parts = p.split("/").filter(Boolean).map(decodeURIComponent);
  const opt = (k: string): string | undefined => query.get(k) || undefined;
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "catalog")) return { page: "catalog" };
  if (parts[0] === "signin" && parts.length === 1) return { page: "signin", code: opt("code") };
  if (parts[0] === "new" && parts.length === 2) return { page: "new", promise: parts[1] };
  if (parts[0] === "destinations" && parts.length === 1) return { page: "destinations" };
  if (parts[0] === "requests") {
    if (parts.length === 1) return { page: "requests", namespace: opt("namespace"), kind: opt("kind") };
    if (parts.length === 4) return { page: "detail", namespace: parts[1], kind: parts[2], name: parts[3] };
    if (parts.length === 5 && parts[4] === "edit") return { page: "edit", namespace: parts[1], kind: parts[2], name: parts[3] };
  }
  return { page: "notfound", hash: h };
}

export function href(r: Route): string {
  const e = encodeURIComponent;
  switch (r.page) {
    case "signin":
      return "#/signin";
    case "catalog":
      return "#/";
    case "new":
      return `#/new/${e(r.promise)}`;
    case "requests": {
      const q = new URLSearchParams();
      if (r.namespace) q.set("namespace", r.namespace);
      if (r.kind) q.set("kind", r.kind);
      const s = q.toString();
      return `#/requests${s ? `?${s}` : ""}`;
    }
    case "detail":
      return `#/requests/${e(r.namespace)}/${e(r.kind)}/${e(r.name)}`;
    case "edit":
      return `#/requests/${e(r.namespace)}/${e(r.kind)}/${e(r.name)}/edit`;
    case "destinations":
      return "#/destinations";
    default:
      return "#/";
  }
}
