/** The Kubernetes-compatible routes (discovery, OpenAPI, resources); `http/routes/index.ts` lists them. */
import type { Route } from "../http/router";
import type { RouteHandler } from "../http/routes/context";
import {
  collection,
  getApiGroup,
  getApiResources,
  getApis,
  getCoreApi,
  getCoreV1,
  getOpenApiV2,
  getOpenApiV3,
  getOpenApiV3Core,
  getOpenApiV3Index,
  getVersion,
  item,
  itemStatus,
} from "./handlers";
import { getNamespace, listNamespaces } from "./namespaces";
import { selfSubjectReview } from "./whoami";

const ALL = (h: RouteHandler) => ({ GET: h, POST: h, PUT: h, PATCH: h, DELETE: h });

/** Paths the Kubernetes front answers (errors as `metav1.Status`). */
export function isKubePath(pathname: string): boolean {
  return pathname === "/version" || pathname === "/api" || pathname === "/apis" || /^\/(api|apis|openapi)\//.test(pathname);
}

export const KUBE_ROUTES: readonly Route<RouteHandler>[] = [
  { template: "/version", methods: { GET: getVersion }, kube: true },
  { template: "/api", methods: { GET: getCoreApi }, kube: true },
  { template: "/api/v1", methods: { GET: getCoreV1 }, kube: true },
  { template: "/api/v1/namespaces", methods: { GET: listNamespaces }, kube: true },
  { template: "/api/v1/namespaces/{name}", methods: { GET: getNamespace }, kube: true },
  { template: "/apis", methods: { GET: getApis }, kube: true },
  { template: "/apis/{group}", methods: { GET: getApiGroup }, kube: true },
  { template: "/apis/{group}/{version}", methods: { GET: getApiResources }, kube: true },
  { template: "/apis/authentication.k8s.io/v1/selfsubjectreviews", methods: { POST: selfSubjectReview }, kube: true },
  { template: "/apis/{group}/{version}/namespaces/{namespace}/{plural}", methods: ALL(collection), kube: true },
  { template: "/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}", methods: ALL(item), kube: true },
  { template: "/apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}/status", methods: ALL(itemStatus), kube: true },
  { template: "/apis/{group}/{version}/{plural}", methods: ALL(collection), kube: true },
  { template: "/apis/{group}/{version}/{plural}/{name}", methods: ALL(item), kube: true },
  { template: "/openapi/v2", methods: { GET: getOpenApiV2 }, kube: true },
  { template: "/openapi/v3", methods: { GET: getOpenApiV3Index }, kube: true },
  { template: "/openapi/v3/api/v1", methods: { GET: getOpenApiV3Core }, kube: true },
  { template: "/openapi/v3/apis/{group}/{version}", methods: { GET: getOpenApiV3 }, kube: true },
];
