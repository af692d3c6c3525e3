/**
 * The service log: one pino logger behind the `log(line, fields?)` functions the service passes around.
 * JSON lines (`level`, `time`, `msg` and the fields: `stack`, `team`, `request` where known) when
 * `PLINTH_LOG_FORMAT=json` or the log is not a terminal; on a terminal (or `PLINTH_LOG_FORMAT=pretty`) the
 * message as it always read, team, stack and request after it. Secrets are redacted by path (REDACT_PATHS) and
 * credentials in URLs (`scheme://user:password@`) are masked in every message.
 */
import pino, { type DestinationStream, type Logger } from "pino";

/** What a log line is about; the message text stays the line callers (and the bench) read. */
export interface LogFields {
  stack?: string;
  team?: string;
  /** The request as `<promise>/<namespace>/<name>`. */
  request?: string;
  [key: string]: unknown;
}

/** A service log sink: the message, and what it is about when the caller knows. */
export type LogFn = (line: string, fields?: LogFields) => void;

export type LogFormat = "json" | "pretty";

const SECRET_KEYS = ["token", "password", "secret", "authorization", "cookie", "apiKey", "privateKey", "devToken", "passphrase"];

/** Fields never written in clear, at the top level and one object deep. */
export const REDACT_PATHS: string[] = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`)];

/** The format `PLINTH_LOG_FORMAT` asks for; without it, pretty on a terminal and JSON otherwise. */
export function logFormat(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): LogFormat {
  const asked = env.PLINTH_LOG_FORMAT?.trim().toLowerCase();
  if (asked === "json" || asked === "pretty") return asked;
  if (asked) throw new Error(`PLINTH_LOG_FORMAT=${env.PLINTH_LOG_FORMAT} is not a log format: use json or pretty`);
  return isTTY ? "pretty" : "json";
}

/** `scheme://user:password@host` → `scheme://user:***@host`, anywhere in a message. */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+):[^@\s/]+@/gi, "$1:***@");
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** The fields a person reads after the message (JSON lines carry every field). */
const SHOWN = ["team", "stack", "request"];

/** One JSON line as a person reads it: the message unchanged, WARN/ERROR before it, team, stack and request after. */
export function prettyLine(json: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const level = typeof o.level === "number" && o.level >= 40 ? `${LEVELS[o.level] ?? o.level} ` : "";
  const keys = SHOWN.filter((k) => o[k] !== undefined);
  const fields = keys.map((k) => `${k}=${typeof o[k] === "string" ? o[k] : JSON.stringify(o[k])}`).join(" ");
  const suffix = fields ? (color ? `  \x1b[2m${fields}\x1b[22m` : `  ${fields}`) : "";
  return `${level}${String(o.msg ?? "")}${suffix}\n`;
}

/** A pino destination that writes `prettyLine`s to `out`. */
export function prettyStream(out: { write(s: string): unknown }, color = false): DestinationStream {
  return { write: (s: string) => void out.write(prettyLine(s.trimEnd(), color)) };
}

export interface LoggerOptions {
  format?: LogFormat;
  /** Where lines go (default: stderr, written synchronously so an exit loses none). */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  level?: string;
  env?: NodeJS.ProcessEnv;
}

/** The service's logger (one per process; children carry bindings). */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const out = opts.stream ?? process.stderr;
  const format = opts.format ?? logFormat(env, out.isTTY);
  const options = {
    level: opts.level ?? env.PLINTH_LOG_LEVEL ?? "info",
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: "[Redacted]" },
    hooks: {
      // Credentials in URLs are masked in every message, whatever the caller wrote.
      logMethod(this: Logger, args: Parameters<Logger["info"]>, method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === "string" ? maskUrlCredentials(a) : a)));
      },
    },
  };
  if (format === "pretty") return pino(options, prettyStream(out, Boolean(out.isTTY) && !env.NO_COLOR));
  if (!opts.stream) return pino(options, pino.destination({ fd: 2, sync: true }));
  return pino(options, { write: (s: string) => void out.write(s) });
}

/** The `log(line, fields?)` function over `logger`: the line is the message, the fields its bindings. */
export function logSink(logger: Logger): LogFn {
  return (line, fields) => (fields ? logger.info(fields, line) : logger.info(line));
}
