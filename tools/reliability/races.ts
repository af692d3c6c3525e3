/**
 * `races`: random interleavings of POST / PUT / DELETE / reconcile on the same names, at random delays,
 * while the reconciler works on them. Per name, calls are sequential, so the last acknowledged (2xx)
 * write is known; once the platform is idle the request must be in exactly that state, in its status
 * and in Git: gone (404, no files), or there with that spec, reconciled (observedGeneration =
 * generation, Ready) and its files carrying the spec's value.
 */
import type { Figure } from "../bench/report";
import { call, conditionOf, requestPath, sleep, type RequestView } from "./api";
import type { Ctx } from "./context";
import { racesFigure, type RaceCounts } from "./figures";
import { rng, type Random } from "./mutate";

const KIND = "TeamNamespace";
/** The namespace the raced requests live in (owned by the racing team). */
export const RACE_NAMESPACE = "races";

/**
 * The names `interleavings` races use, `width` at a time. A TeamNamespace renders a Namespace of its own
 * name, so the racing team must own each of them (tenancy): the suite gives it exactly these.
 */
export function raceNames(interleavings: number, width: number): string[] {
  const out: string[] = [];
  for (let round = 0; out.length < interleavings; round++) for (let i = 0; i < width && out.length < interleavings; i++) out.push(`race-${round}-${i}`);
  return out;
}
type Op = "POST" | "PUT" | "DELETE" | "reconcile";
/** What the last acknowledged write left: the request with `team` in its spec, or no request. */
export type Expected = { exists: true; team: string } | { exists: false };

const body = (name: string, team: string) => JSON.stringify({ apiVersion: "plinth.dev/v1alpha1", kind: KIND, metadata: { name, namespace: RACE_NAMESPACE }, spec: { team } });

/** The state a name must end in after `op` answered `status` (undefined: not acknowledged, no change). */
export function acknowledged(op: Op, status: number, team: string): Expected | undefined {
  if (op === "POST" && status === 202) return { exists: true, team };
  if (op === "PUT" && (status === 200 || status === 201)) return { exists: true, team };
  if (op === "DELETE" && status === 202) return { exists: false };
  return undefined;
}

/** A random sequence of 2–6 operations, the first a create most of the time. */
export function randomOps(r: Random): Op[] {
  const n = 2 + Math.floor(r() * 5);
  const all: Op[] = ["POST", "PUT", "DELETE", "reconcile"];
  return Array.from({ length: n }, (_, i) => (i === 0 && r() < 0.8 ? (r() < 0.5 ? "POST" : "PUT") : all[Math.floor(r() * all.length)]));
}

interface Outcome {
  name: string;
  ops: number;
  acked: number;
  fivexx: number;
  expected: Expected;
  trace: string[];
}

async function raceOne(ctx: Ctx, name: string, r: Random): Promise<Outcome> {
  let expected: Expected = { exists: false };
  const trace: string[] = [];
  let acked = 0;
  let fivexx = 0;
  const ops = randomOps(r);
  for (const [i, op] of ops.entries()) {
    await sleep(Math.floor(r() * (i === 0 ? 200 : 900)));
    const team = `t${Math.floor(r() * 1e6)}`;
    const p = requestPath(RACE_NAMESPACE, KIND, name);
    const reply =
      op === "POST" ? await call(ctx.url, ctx.racer.token, "POST", "/v1/requests", body(name, team))
      : op === "PUT" ? await call(ctx.url, ctx.racer.token, "PUT", p, body(name, team))
      : op === "DELETE" ? await call(ctx.url, ctx.racer.token, "DELETE", p)
      : await call(ctx.url, ctx.racer.token, "POST", `${p}/reconcile`);
    if (reply.status >= 500 || reply.status === 0) fivexx++;
    const next = acknowledged(op, reply.status, team);
    trace.push(`${op}${op === "POST" || op === "PUT" ? `(${team})` : ""}→${reply.status || reply.error}`);
    if (next) {
      expected = next;
      acked++;
    }
  }
  return { name, ops: ops.length, acked, fivexx, expected, trace };
}

type Settled = { gone: true } | { gone: false; view: RequestView };

/** One line of what a request shows (for an unsettled one: where it stopped). */
export function describeView(reply: { status: number; json?: unknown; error?: string }): string {
  if (reply.status !== 200) return `GET → ${reply.status || reply.error}`;
  const v = reply.json as RequestView;
  const conds = (v.status?.conditions ?? []).map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ""}`).join(" ");
  return `generation ${v.metadata.generation}, observedGeneration ${v.status?.observedGeneration}${v.metadata.deletionTimestamp ? ", deleting" : ""}; ${conds}; ${String(v.status?.message ?? "").slice(0, 200)}`;
}

/**
 * What a request shows once the service is idle. Idle means nothing is queued, running or waiting for a
 * retry (delayed retries count: `WorkQueue.idle`), and every call of the round has been answered (each
 * write queues its reconcile before it answers), so nothing will change the request any more: one read
 * is its final state. No timed wait is needed, or meaningful: a request not settled now never will be.
 * Settled is then: gone (404), or the current generation reconciled (`observedGeneration = generation`,
 * no `deletionTimestamp`) and Ready; anything else (Stalled, a generation never reconciled, a delete left
 * half-done) is reported as unsettled with what it shows.
 */
async function finalState(ctx: Ctx, name: string): Promise<{ settled?: Settled; shows: string }> {
  const reply = await call(ctx.url, ctx.racer.token, "GET", requestPath(RACE_NAMESPACE, KIND, name));
  if (reply.status === 404) return { settled: { gone: true }, shows: "gone" };
  const shows = describeView(reply);
  if (reply.status !== 200) return { shows };
  const view = reply.json as RequestView;
  const done = view.status.observedGeneration === view.metadata.generation && !view.metadata.deletionTimestamp && conditionOf(view, "Ready")?.status === "True";
  return done ? { settled: { gone: false, view }, shows } : { shows };
}

/** What is wrong with `name` against `expected` (undefined: nothing), in status and in Git. */
async function check(ctx: Ctx, o: Outcome, final: { settled?: Settled; shows: string }, files: string[]): Promise<string | undefined> {
  const where = `${o.name} [${o.trace.join(" ")}]`;
  const state = final.settled;
  // A write acknowledged and then not reconciled is checked first: it is not the same as a lost one.
  if (!state && !o.expected.exists) return `lost DELETE: ${where} still exists: ${final.shows}`;
  if (!state) return `unsettled: ${where}: ${final.shows}`;
  const mine = files.filter((f) => f.includes(`/resources/${RACE_NAMESPACE}/namespace/${o.name}/`));
  if (!o.expected.exists) {
    if (!state.gone) return `lost DELETE: ${where} still exists (spec.team ${String(state.view.spec.team)})`;
    if (mine.length) return `lost DELETE: ${where} gone from the API but ${mine.length} file(s) in Git (${mine[0]})`;
    return undefined;
  }
  if (state.gone) return `lost write: ${where} is gone, expected spec.team ${o.expected.team}`;
  if (state.view.spec.team !== o.expected.team) return `lost write: ${where} has spec.team ${String(state.view.spec.team)}, expected ${o.expected.team}`;
  const ns = mine.find((f) => f.endsWith("/namespace.yaml"));
  if (!ns) return `lost write: ${where} is Ready but has no namespace.yaml in Git`;
  const text = await ctx.repo.read(ns);
  if (!text.includes(o.expected.team)) return `lost write: ${where}: Git's ${ns} does not carry spec.team ${o.expected.team}`;
  return undefined;
}

export async function racesFigureRun(ctx: Ctx, interleavings: number, width: number): Promise<Figure> {
  const r = rng(ctx.seed * 7919 + 1);
  const c: RaceCounts = { interleavings: 0, operations: 0, acknowledged: 0, lost: [], unsettled: [], responses5xx: 0 };
  for (let round = 0; c.interleavings < interleavings; round++) {
    const n = Math.min(width, interleavings - c.interleavings);
    const names = raceNames(c.interleavings + n, width).slice(c.interleavings);
    const outcomes = await Promise.all(names.map((name) => raceOne(ctx, name, rng(Math.floor(r() * 2 ** 31)))));
    await ctx.idle();
    const states = await Promise.all(outcomes.map((o) => finalState(ctx, o.name)));
    const files = await ctx.repo.files();
    for (const [i, o] of outcomes.entries()) {
      c.interleavings++;
      c.operations += o.ops;
      c.acknowledged += o.acked;
      c.responses5xx += o.fivexx;
      const problem = await check(ctx, o, states[i], files);
      if (problem?.startsWith("unsettled")) c.unsettled.push(problem);
      else if (problem) c.lost.push(problem);
    }
    // Leave nothing behind for the next figure.
    for (const o of outcomes) await call(ctx.url, ctx.racer.token, "DELETE", requestPath(RACE_NAMESPACE, KIND, o.name));
    ctx.log(`races: ${c.interleavings}/${interleavings} interleavings, ${c.lost.length} lost, ${c.unsettled.length} unsettled`);
  }
  await ctx.idle();
  return racesFigure(c, interleavings);
}
