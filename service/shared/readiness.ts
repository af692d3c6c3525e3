/**
 * `/readyz` of a replica: ready while it can reach Postgres and every remote Git State Store. A load
 * balancer stops sending it traffic when it is not; `/healthz` (liveness) stays up meanwhile, so the
 * replica is not restarted for an outage it cannot fix.
 */
import type pg from "pg";

export interface ReadinessCheck {
  name: string;
  /** Resolves when reachable; rejects (or answers false) when not. */
  probe: () => Promise<boolean | void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { name: string; ok: boolean; message?: string }[];
}

/** Runs every check (each bounded by `timeoutMs`). */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const ok = await Promise.race([
          c.probe(),
          new Promise<boolean>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return ok === false ? { name: c.name, ok: false, message: "unreachable" } : { name: c.name, ok: true };
      } catch (err) {
        return { name: c.name, ok: false, message: (err as Error).message.split("\n")[0] };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}

/** Postgres answers a query. */
export function postgresCheck(pool: pg.Pool): ReadinessCheck {
  return { name: "postgres", probe: async () => void (await pool.query("SELECT 1")) };
}

/** A smart-HTTP Git remote answers its ref advertisement (with the store's credentials). */
export function gitCheck(name: string, url: string, headers: Record<string, string> = {}): ReadinessCheck {
  return {
    name: `git:${name}`,
    probe: async () => {
      const res = await fetch(`${url.replace(/\/$/, "")}/info/refs?service=git-upload-pack`, { headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`Git remote answered ${res.status}`);
    },
  };
}
