/** The route table: `/v1` and the Kubernetes-compatible API (`service/kube/`). */
import type { Route } from "../router";
import type { RouteHandler } from "./context";
import { getPromise, getUnowned, listMarketplace, listDestinations, listPromises, listStateStores } from "./registry";
import { deleteRequest, getRequest, getRequestSecrets, listRequests, reconcileRequest, watchAllRequests, watchRequest } from "./requests-read";
import { createRequests, putRequest } from "./requests-write";
import { getRequestLogs } from "./request-logs";
import { createSignInLink, getSession, signIn, signOut } from "./session";
import { KUBE_ROUTES } from "../../kube/routes";

export type { RouteContext, RouteHandler } from "./context";

export const V1_ROUTES: readonly Route<RouteHandler>[] = [
  { template: "/v1/promises", methods: { GET: listPromises } },
  { template: "/v1/promises/{name}", methods: { GET: getPromise } },
  { template: "/v1/marketplace", methods: { GET: listMarketplace } },
  { template: "/v1/destinations", methods: { GET: listDestinations } },
  { template: "/v1/statestores", methods: { GET: listStateStores } },
  { template: "/v1/statestores/{name}/unowned", methods: { GET: getUnowned } },
  { template: "/v1/requests", methods: { GET: listRequests, POST: createRequests } },
  { template: "/v1/requests/{namespace}/{kind}/{name}", methods: { GET: getRequest, PUT: putRequest, DELETE: deleteRequest } },
  { template: "/v1/requests/{namespace}/{kind}/{name}/events", methods: { GET: watchRequest } },
  { template: "/v1/requests/{namespace}/{kind}/{name}/reconcile", methods: { POST: reconcileRequest } },
  { template: "/v1/requests/{namespace}/{kind}/{name}/logs", methods: { GET: getRequestLogs } },
  { template: "/v1/requests/{namespace}/{kind}/{name}/secrets", methods: { GET: getRequestSecrets } },
  { template: "/v1/events", methods: { GET: watchAllRequests } },
  { template: "/v1/session", methods: { GET: getSession, DELETE: signOut } },
  { template: "/v1/session/signin", methods: { POST: signIn }, public: true },
  { template: "/v1/session/links", methods: { POST: createSignInLink } },
];

export { isKubePath } from "../../kube/routes";

/** Every route the API serves. */
export const ROUTES: readonly Route<RouteHandler>[] = [...V1_ROUTES, ...KUBE_ROUTES];
