/** Naming of requests: API keys, stack names (`<ns>.<kind>.<name>`), locations. */
import type { RequestKey } from "./types";

export function stackNameOf(key: RequestKey): string {
  return `${key.namespace}.${key.kind.toLowerCase()}.${key.name}`;
}

export function keyString(key: RequestKey): string {
  return `${key.namespace}/${key.kind.toLowerCase()}/${key.name}`;
}

export function locationOf(key: RequestKey): string {
  return `/v1/requests/${key.namespace}/${key.kind}/${key.name}`;
}
