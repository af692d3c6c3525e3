/**
 * `fuzz`: generated bodies (mutations of every Marketplace example in test/fixtures/kratix and of the
 * request fixtures) POSTed as the dev team. Judged: no answer ≥ 500 (or none at all), and no commit and
 * no stored request during batches in which every body was refused.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import type { Figure } from "../bench/report";
import { call } from "./api";
import { pool, type Ctx } from "./context";
import { fuzzFigure, type FuzzCounts } from "./figures";
import { bodyStream, type FuzzBody } from "./mutate";

const BATCH = 50;

/** Every request document of the fixtures, parsed (JSON values), named `<file>#<index>`. */
export function loadSeeds(root: string): { name: string; doc: never }[] {
  const out: { name: string; doc: never }[] = [];
  for (const dir of ["test/fixtures/kratix", "test/fixtures/requests"]) {
    for (const f of fs.readdirSync(path.join(root, dir)).filter((x) => /\.ya?ml$/.test(x)).sort()) {
      parseAllDocuments(fs.readFileSync(path.join(root, dir, f), "utf8")).forEach((d, i) => {
        const doc = d.toJS() as { kind?: unknown } | null;
        if (doc && typeof doc === "object" && typeof doc.kind === "string") out.push({ name: `${dir}/${f}#${i}`, doc: doc as never });
      });
    }
  }
  return out;
}

/** True when any document of the body was accepted (2xx, or a multi-document error listing accepted ones). */
function acceptedSomething(status: number, json: unknown): boolean {
  if (status >= 200 && status < 300) return true;
  const accepted = (json as { details?: { accepted?: unknown[] } } | undefined)?.details?.accepted;
  return Array.isArray(accepted) && accepted.length > 0;
}

export async function fuzzFigureRun(ctx: Ctx, root: string, n: number): Promise<Figure> {
  const seeds = loadSeeds(root);
  if (seeds.length === 0) throw new Error("no request fixtures found under test/fixtures");
  const stream = bodyStream(n, seeds, ctx.seed);
  const c: FuzzCounts = { bodies: 0, byStatus: {}, accepted: 0, rejectedBatches: 0, rejectedBatchCommits: 0, rejectedBatchRequests: 0, failures: [] };
  for (let start = 0; start < n; start += BATCH) {
    const batch: FuzzBody[] = [];
    for (let i = 0; i < BATCH && start + i < n; i++) batch.push(stream.next().value as FuzzBody);
    await ctx.idle();
    const head = await ctx.repo.head();
    const commits = await ctx.repo.commitCount();
    const stored = ctx.requestCount();
    const replies = await pool(batch, 8, (b) => call(ctx.url, ctx.dev.token, "POST", "/v1/requests", b.body, b.contentType));
    let any = false;
    replies.forEach((r, i) => {
      c.bodies++;
      c.byStatus[String(r.status)] = (c.byStatus[String(r.status)] ?? 0) + 1;
      if (r.status >= 500 || r.status === 0) c.failures.push(`${batch[i].kind} (${batch[i].seed}) → ${r.status || r.error}: ${r.text.slice(0, 200)}`);
      if (acceptedSomething(r.status, r.json)) {
        any = true;
        c.accepted++;
      }
    });
    if (!any) {
      c.rejectedBatches++;
      await ctx.idle();
      const after = await ctx.repo.head();
      if (after !== head) {
        const made = (await ctx.repo.commitCount()) - commits;
        c.rejectedBatchCommits += Math.max(1, made);
        c.failures.push(`batch at body ${start}: every body refused, yet ${made} commit(s) (${head.slice(0, 8)} → ${after.slice(0, 8)})`);
      }
      const more = ctx.requestCount() - stored;
      if (more > 0) {
        c.rejectedBatchRequests += more;
        c.failures.push(`batch at body ${start}: every body refused, yet ${more} request(s) stored`);
      }
    }
    if ((start / BATCH) % 5 === 0) ctx.log(`fuzz: ${c.bodies}/${n} bodies, ${c.accepted} accepted, statuses ${JSON.stringify(c.byStatus)}`);
  }
  return fuzzFigure(c, n);
}
