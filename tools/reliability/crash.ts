/**
 * `crash`: `npm start`'s program as a child (its own process group, a temp data dir, a free port) is
 * SIGKILLed at a random point during a burst of creates, updates and deletes, and started again, `kills`
 * times. Then one last start: every acknowledged write must converge (status and spec), and no stack
 * lock may be left in the backend.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Figure } from "../bench/report";
import { stopGroup } from "../bench/children";
import { spawnStart, type StartedPlatform } from "../../test/support/start";
import { call, conditionOf, requestPath, sleep, until, type RequestView } from "./api";
import { crashFigure, type CrashCounts } from "./figures";
import { rng } from "./mutate";
import { acknowledged, type Expected } from "./races";

const KIND = "TeamNamespace";
const body = (name: string, team: string) => JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name, namespace: "default" }, spec: { team } });

/** Every lock file under the data dir's Pulumi backend. */
export function lockFiles(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => out.push(p))(path.join(d, e.name));
  };
  walk(path.join(dataDir, "state", ".pulumi", "locks"));
  return out;
}

export async function crashFigureRun(o: { root: string; kills: number; burst: number; seed: number; log: (l: string) => void; cleanups: (() => Promise<void> | void)[] }): Promise<Figure> {
  const r = rng(o.seed * 104729 + 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plinth-crash-"));
  const dataDir = path.join(dir, "data");
  o.cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  let current: StartedPlatform | undefined;
  o.cleanups.push(async () => void (current && (await stopGroup(current.child, 5000))));
  const expected = new Map<string, Expected>();
  /** Names with a write in flight when the platform was killed: either outcome is fine. */
  const uncertain = new Set<string>();
  const c: CrashCounts = { kills: 0, acknowledged: 0, unconverged: [], sideEffects: 0, duplicateOrMissing: [], lockedStacks: [] };
  for (let k = 0; k < o.kills; k++) {
    current = await spawnStart(dataDir);
    const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
    const url = current.url;
    const killAt = 200 + Math.floor(r() * 4000);
    const ops: Promise<void>[] = [];
    const burstStart = Date.now();
    const known = [...expected.keys()];
    for (let i = 0; i < o.burst; i++) {
      const pickOld = known.length > 0 && r() < 0.4;
      const name = pickOld ? known[Math.floor(r() * known.length)] : `crash-${k}-${i}`;
      const op = pickOld ? (r() < 0.5 ? "PUT" : "DELETE") : "POST";
      const team = `c${Math.floor(r() * 1e6)}`;
      ops.push(
        (async () => {
          await sleep(Math.floor(r() * 1500));
          uncertain.add(name);
          const reply =
            op === "POST" ? await call(url, token, "POST", "/v1/requests", body(name, team), "application/json", 10_000)
            : op === "PUT" ? await call(url, token, "PUT", requestPath("default", KIND, name), body(name, team), "application/json", 10_000)
            : await call(url, token, "DELETE", requestPath("default", KIND, name), undefined, "application/json", 10_000);
          const next = acknowledged(op, reply.status, team);
          if (reply.status !== 0) uncertain.delete(name);
          if (next) {
            expected.set(name, next);
            c.acknowledged++;
          }
        })(),
      );
    }
    await sleep(Math.max(0, killAt - (Date.now() - burstStart)));
    process.kill(-current.child.pid!, "SIGKILL");
    await current.exited;
    await Promise.all(ops);
    c.kills++;
    o.log(`crash: kill ${c.kills}/${o.kills} at ${killAt} ms into the burst; ${c.acknowledged} writes acknowledged so far`);
  }
  current = await spawnStart(dataDir);
  const token = fs.readFileSync(path.join(dataDir, "token"), "utf8").trim();
  for (const [name, want] of expected) {
    const state = await until(`${name} converges`, 300_000, async () => {
      const reply = await call(current!.url, token, "GET", requestPath("default", KIND, name));
      if (reply.status === 404) return { gone: true as const };
      const v = reply.json as RequestView | undefined;
      if (reply.status !== 200 || !v) return undefined;
      const done = v.status.observedGeneration === v.metadata.generation && !v.metadata.deletionTimestamp && (conditionOf(v, "Ready")?.status === "True" || conditionOf(v, "Stalled")?.status === "True");
      return done ? { gone: false as const, view: v } : undefined;
    }, 500).catch(() => undefined);
    const where = `${name} (expected ${want.exists ? `spec.team ${want.team}` : "gone"})`;
    if (!state) c.unconverged.push(`${where}: did not settle in 300 s`);
    else if (uncertain.has(name)) continue;
    else if (!want.exists && !state.gone) c.unconverged.push(`${where}: still exists`);
    else if (want.exists && state.gone) c.unconverged.push(`${where}: is gone`);
    else if (want.exists && !state.gone && (state.view.spec.team !== want.team || conditionOf(state.view, "Ready")?.status !== "True")) {
      c.unconverged.push(`${where}: spec.team ${String(state.view.spec.team)}, Ready ${conditionOf(state.view, "Ready")?.status}: ${state.view.status.message ?? ""}`);
    }
  }
  c.lockedStacks = lockFiles(dataDir).map((f) => path.relative(dataDir, f));
  await stopGroup(current.child, 15_000);
  current = undefined;
  return crashFigure(c, o.kills);
}
