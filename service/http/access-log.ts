/** One access-log line per answered request. Only method, path (no query), status and time: never headers. */
export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export type AccessLog = (line: string, entry: AccessLogEntry) => void;

export function formatAccessLog(e: AccessLogEntry): string {
  return `${e.method} ${e.path} ${e.status} ${e.ms}ms`;
}
