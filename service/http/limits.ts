/**
 * Limits of the HTTP API (platform config `plinth:limits`): each is refused with a stable code and a
 * message naming the limit and the key that changes it, before anything is written.
 */
export interface ApiLimits {
  /** Bytes per request body (413 `PayloadTooLarge`). */
  maxBodyBytes: number;
  /** Request objects per body (413 `TooManyDocuments`). */
  maxDocuments: number;
  /** Nesting depth of a body, YAML or JSON (400 `NestingTooDeep`). */
  maxDepth: number;
  /** YAML aliases per document (400 `TooManyAliases`): a billion-laughs body stops here. */
  maxAliases: number;
  /** Open event streams per bearer token (429 `TooManyStreams`). */
  maxStreamsPerToken: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  maxBodyBytes: 1024 * 1024,
  maxDocuments: 100,
  maxDepth: 64,
  maxAliases: 100,
  maxStreamsPerToken: 32,
};

/** The config key a limit is set with, for error messages: `plinth:limits.maxDocuments`. */
export function limitKey(name: string): string {
  return `plinth:limits.${name}`;
}
