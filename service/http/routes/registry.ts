/** Read-only views of the platform registry: Promises, Destinations, State Stores. */
import { NotFoundError } from "../../../components/errors";
import { sendJson } from "../respond";
import type { RouteHandler } from "./context";

export const listPromises: RouteHandler = async ({ res, service }) => sendJson(res, 200, { items: service.promises() });
export const listDestinations: RouteHandler = async ({ res, service }) => sendJson(res, 200, { items: service.destinations() });
export const listStateStores: RouteHandler = async ({ res, service }) => sendJson(res, 200, { items: service.stateStores() });

/** One Promise with upgrade progress: how many requests are on which version. */
export const getPromise: RouteHandler = async ({ res, params, service, caller }) => {
  if (!service.promise) throw new NotFoundError("this service does not report Promise details", undefined, "NotSupported");
  sendJson(res, 200, service.promise(params.name, { caller }));
};

/** Files in a State Store that no placement owns: reported for a human to look at, never deleted. */
export const getUnowned: RouteHandler = async ({ res, params, service, caller }) => {
  if (!service.unowned) throw new NotFoundError("this service does not report unowned files", undefined, "NotSupported");
  sendJson(res, 200, await service.unowned(params.name, { caller }));
};

/** The Marketplace: available Promises, their versions, installed or not. */
export const listMarketplace: RouteHandler = async ({ res, service }) => {
  if (!service.marketplace) throw new NotFoundError("this service does not list the Marketplace", undefined, "NotSupported");
  sendJson(res, 200, { items: service.marketplace() });
};
