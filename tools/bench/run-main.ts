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
      // The verdict is the exit code. @pulumi/pulumi's promise-leak detector (an `exit` listener added at the
      // first inline program) sets exitCode 1 on a normal exit when a program's promises are still pending,
      // as they are in a process that served many updates; this listener, added after it, runs last.
      process.on("exit", () => void (process.exitCode = code));
      process.exit(code);
    },
    async (err: unknown) => {
      log(`failed: ${(err as Error).stack ?? err}`);
      await cleanup();
      process.exit(1);
    },
  );
}
