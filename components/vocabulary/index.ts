/**
 * The shared vocabulary: names and DNS-1123 rules, the destination spec, scheduling and owner labels.
 * A leaf: it imports nothing of the repository, and every folder may import it (ARCHITECTURE.md).
 */
export * from "./names";
export * from "./destination";
export * from "./scheduling";
export * from "./owner-labels";
