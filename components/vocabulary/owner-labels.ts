/**
 * Labels linking a child request to the request that made it: compound Promises write them on the child
 * requests they emit and the platform agent reads them (DESIGN.md §3.8).
 */
export const OWNER_NAMESPACE = "plinth.dev/owner-namespace";
export const OWNER_KIND = "plinth.dev/owner-kind";
export const OWNER_NAME = "plinth.dev/owner-name";

/** The request that owns a child. */
export interface Owner {
  kind: string;
  name: string;
  namespace: string;
}

/** The owner labels of a child of `p`. */
export function ownerLabels(p: Owner): Record<string, string> {
  return { [OWNER_NAMESPACE]: p.namespace, [OWNER_KIND]: p.kind, [OWNER_NAME]: p.name };
}

/** The owner a set of labels names, when all three owner labels are there. */
export function ownerFromLabels(l: Record<string, string> | undefined): Owner | undefined {
  if (l === undefined) return undefined;
  return l[OWNER_NAME] && l[OWNER_NAMESPACE] && l[OWNER_KIND] ? { namespace: l[OWNER_NAMESPACE], kind: l[OWNER_KIND], name: l[OWNER_NAME] } : undefined;
}
