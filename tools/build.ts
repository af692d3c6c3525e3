/**
 * `npm run build` (also the `prepare` script, so `npm ci` runs it): the web portal (service/ui/dist) and
 * the compiled `plinth` command (dist/cli).
 */
import { buildCli } from "./cli-build";
import { buildUi } from "../service/ui/build";

Promise.all([buildUi(), buildCli()]).catch((err: unknown) => {
  process.stderr.write(`plinth build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
