/**
 * When a Pulumi program fails, the SDK leaves some of its own promises rejected with nobody listening
 * (a real run's language host or provider server absorbs them). node's test runner would count those as
 * failures of the file, so tests that make programs fail on purpose run that part through this.
 */
export async function withCapturedRejections<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; rejections: unknown[] }> {
  const previous = process.listeners("unhandledRejection");
  const rejections: unknown[] = [];
  const capture = (reason: unknown): void => void rejections.push(reason);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", capture);
  const out: { result?: T; error?: unknown; rejections: unknown[] } = { rejections };
  try {
    out.result = await fn();
  } catch (err) {
    out.error = err;
  }
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  process.off("unhandledRejection", capture);
  for (const l of previous) process.on("unhandledRejection", l as (...a: unknown[]) => void);
  return out;
}
