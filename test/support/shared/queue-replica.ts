/**
 * One "replica" of the leased work queue in its own process (test harness for lease-queue.test.ts): its
 * work on a key records `start` and then `done` in Postgres (table `queue_log`), taking `WORK_MS`. It prints
 * `ready` once it takes work; SIGTERM is a graceful shutdown (leases handed back), SIGKILL a crash.
 *
 *   PLINTH_DATABASE_URL=… REPLICA=r1 WORK_MS=300 GRACE_MS=500 tsx test/support/shared/queue-replica.ts
 */
import pg from "pg";
import { LeasedQueue } from "../../../service/shared/lease-queue";

async function main(): Promise<void> {
  const url = process.env.PLINTH_DATABASE_URL!;
  const replica = process.env.REPLICA!;
  const workMs = Number(process.env.WORK_MS ?? 300);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  await pool.query("CREATE TABLE IF NOT EXISTS queue_log (key text, replica text, what text, at timestamptz DEFAULT clock_timestamp())").catch(() => undefined);
  const queue = await LeasedQueue.open({
    url,
    replica,
    concurrency: Number(process.env.CONCURRENCY ?? 2),
    graceMs: Number(process.env.GRACE_MS ?? 10_000),
    work: async (key, signal) => {
      await pool.query("INSERT INTO queue_log (key, replica, what) VALUES ($1, $2, 'start')", [key, replica]);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, workMs);
        signal.addEventListener("abort", () => (clearTimeout(t), reject(new Error("lease lost"))), { once: true });
      });
      await pool.query("INSERT INTO queue_log (key, replica, what) VALUES ($1, $2, 'done')", [key, replica]);
    },
  });
  process.on("SIGTERM", () => {
    void queue.stop().then(async () => {
      await pool.end();
      process.exit(0);
    });
  });
  process.stdout.write("ready\n");
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
