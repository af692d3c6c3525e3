/** Read-only views of the platform registry: Promises, Destinations, State Stores. */
import { sendJson } from "../respond";
import type { RouteHandler } from "./context";

export const listPromises: RouteHandler = async ({ res, service }) => sendJson(res, 200, { items: service.promises() });
export const listDestinations: RouteHandler = async ({ res, service }) => sendJson(res, 200, { items: service.destinations() });
export const listStateStores: RouteHandler = async ({ res, service }) => sendJson(res, 200, { items: service.stateStores() });
