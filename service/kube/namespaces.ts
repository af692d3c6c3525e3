/**
 * Core `v1` namespaces, read-only: the namespaces the caller's team may use. kubectl reads a namespace
 * after a 404 to tell "no such object" from "no such namespace", and `kubectl get ns` lists them.
 */
import type { RouteHandler } from "../http/routes/context";
import { sendObject } from "./context";
import { kubeError } from "./status";
import { wantsTable } from "./table";

export const NAMESPACES_RESOURCE = { name: "namespaces", singularName: "namespace", namespaced: false, kind: "Namespace", verbs: ["get", "list"], shortNames: ["ns"] };

function namespace(name: string): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name }, spec: {}, status: { phase: "Active" } };
}

function table(names: string[]): unknown {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {},
    columnDefinitions: [
      { name: "Name", type: "string", format: "name", description: "Namespace name.", priority: 0 },
      { name: "Status", type: "string", format: "", description: "Phase.", priority: 0 },
    ],
    rows: names.map((n) => ({ cells: [n, "Active"], object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: n } } })),
  };
}

async function visible(ctx: Parameters<RouteHandler>[0]): Promise<string[]> {
  const { namespaces } = ctx.caller;
  if (namespaces !== "*") return [...namespaces].sort();
  const used = (await ctx.service.list({}, { caller: ctx.caller })).map((r) => r.metadata.namespace);
  return [...new Set(["default", ...used])].sort();
}

export const listNamespaces: RouteHandler = async (ctx) => {
  const names = await visible(ctx);
  if (wantsTable(ctx.req.headers.accept)) sendObject(ctx.res, 200, table(names));
  else sendObject(ctx.res, 200, { apiVersion: "v1", kind: "NamespaceList", metadata: {}, items: names.map(namespace) });
};

export const getNamespace: RouteHandler = async (ctx) => {
  const name = ctx.params.name;
  const { namespaces, team } = ctx.caller;
  if (namespaces !== "*" && !namespaces.includes(name)) {
    throw kubeError(403, `namespaces "${name}" is forbidden: User "${team}" cannot get resource "namespaces" in API group "" in the namespace "${name}"`, "Forbidden", { name, kind: "namespaces" });
  }
  if (wantsTable(ctx.req.headers.accept)) sendObject(ctx.res, 200, table([name]));
  else sendObject(ctx.res, 200, namespace(name));
};
