/**
 * The entry point of a measuring tool (`npm run bench`, `npm run reliability`): runs `main`, and on its end,
 * its failure, Ctrl-C or SIGTERM runs `cleanup` before exiting, so no platform or process it started outlives it.
 */
export function runMain(main: () => Promise<number>, cleanup: () => Promise<void>, log: (line: string) => void): void {
  const interrupted = (signal: string) => {
    log(`${signal}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  };
  process.on("SIGINT", () => interrupted("SIGINT"));
  process.on("SIGTERM", () => interrupted("SIGTERM"));
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (err: unknown) => {
      log(`failed: ${(err as Error).stack ?? err}`);
      await cleanup();
      process.exit(1);
    },
  );
}
