/**
 * `npm start` failing before it serves: one line that says what is wrong and how to fix it, not a stack
 * trace. Known causes (the port taken or not allowed, a data dir that cannot be written, a Plinth error
 * with its code) get their fix; anything else is a bug and keeps its stack.
 */
import { PlinthError } from "../components/errors";

export interface StartContext {
  port: number;
  host: string;
  dataDir: string;
}

export function startFailure(err: unknown, ctx: StartContext): string {
  const e = err as NodeJS.ErrnoException;
  const next = ctx.port === 0 ? 8081 : ctx.port + 1;
  if (e?.code === "EADDRINUSE") {
    return `plinth: port ${ctx.port} on ${ctx.host} is already in use (is another \`npm start\` running?): stop it, or pick a free port with PLINTH_PORT (e.g. PLINTH_PORT=${next} npm start)`;
  }
  if (e?.code === "EACCES" && e.syscall === "listen") {
    return `plinth: not allowed to listen on port ${ctx.port}: ports below 1024 need privileges; set PLINTH_PORT to a port above 1024 (e.g. PLINTH_PORT=8080)`;
  }
  if ((e?.code === "EACCES" || e?.code === "EROFS" || e?.code === "ENOSPC") && typeof e.path === "string") {
    return `plinth: cannot write ${e.path} (${e.code}): make the data dir writable, or set PLINTH_DATA_DIR to one that is (now ${ctx.dataDir})`;
  }
  if (err instanceof PlinthError) return `plinth: ${err.code}: ${err.message}`;
  return `plinth: ${(err as Error)?.stack ?? String(err)}`;
}
