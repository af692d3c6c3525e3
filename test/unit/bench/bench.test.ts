import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { percentile, median, round } from "../../../tools/bench/stats";
import { formatTable, jsonLine, failedFigure, type Figure } from "../../../tools/bench/report";
import { cliFigure, burstFigure, platformUpFigure, requestFigure, scalingFigure, rssFigure, startFigure, KRATIX_BURST100_S } from "../../../tools/bench/figures";
import { parseFrames } from "../../../tools/bench/client";
import { commitTime } from "../../../tools/bench/requests";
import { commitProbe, parseReconciled, reconcileLog, stackInitProbe } from "../../../tools/bench/probes";
import { FIGURES, parseArgs } from "../../../tools/bench/args";
import { cpuPerRequest, parseStat } from "../../../tools/bench/cpu";

describe("percentile", () => {
  test("interpolates linearly between the closest ranks", () => {
    assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
    assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
    assert.equal(percentile([10], 95), 10);
    assert.equal(percentile([1, 2, 3, 4, 5], 0), 1);
    assert.equal(percentile([1, 2, 3, 4, 5], 100), 5);
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 100); // 100..2000
    assert.equal(percentile(twenty, 95), 1905); // rank 18.05 → 1900 + 0.05 × 100
    assert.equal(median(twenty), 1050);
  });
  test("does not reorder its input and rejects empty lists and bad p", () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    assert.deepEqual(xs, [3, 1, 2]);
    assert.throws(() => percentile([], 50), /empty/);
    assert.throws(() => percentile([1], 101), /0\.\.100/);
    assert.throws(() => percentile([1], Number.NaN), /0\.\.100/);
  });
  test("round", () => {
    assert.equal(round(1.2345, 2), 1.23);
    assert.equal(round(1499.5), 1500);
  });
});

describe("figures are judged by their targets", () => {
  test("cli_ms: p50 ≤ 300 ms", () => {
    const ok = cliFigure({ p50: 120, p95: 180, n: 20 });
    assert.equal(ok.figure, "cli_ms");
    assert.equal(ok.ok, true);
    assert.match(ok.summary, /p50 120 ms, p95 180 ms \(n=20\)/);
    assert.equal(cliFigure({ p50: 301, p95: 400, n: 20 }).ok, false);
  });

  test("request_to_commit_ms: ok iff p50 ≤ 1000 ms", () => {
    assert.equal(requestFigure({ p50: 1000, p95: 2000, n: 20 }).ok, true);
    const slow = requestFigure({ p50: 1001, p95: 1200, n: 20, ready_seen_p50: 1050 });
    assert.equal(slow.ok, false);
    assert.match(slow.summary, /p50 1001 ms, p95 1200 ms \(n=20; Ready seen p50 1050 ms\)/);
  });
  test("burst100_s: judged per 100 (scaled for smaller bursts) and compared with Kratix", () => {
    const full = burstFigure(40, 100);
    assert.equal(full.ok, true);
    assert.equal(full.values.vs_kratix, 3.63);
    assert.equal(full.values.kratix_s, KRATIX_BURST100_S);
    const quick = burstFigure(10, 20); // 50 s per 100
    assert.equal(quick.ok, false);
    assert.equal(quick.values.per100_s, 50);
    assert.match(quick.target, /scaled ×5/);
  });
  test("commit_scaling is the full/empty ratio", () => {
    const f = scalingFigure(40, 60, 10000, 15);
    assert.equal(f.values.ratio, 1.5);
    assert.equal(f.ok, true);
    assert.equal(scalingFigure(40, 100, 10000, 15).ok, false);
  });
  test("rss_mb is informational", () => {
    const f = rssFigure({ idle_start: 200.4, idle: 210.6, peak: 300, children_peak: 150, total_peak: 430, max_children: 4 });
    assert.equal(f.ok, null);
    assert.equal(f.values.idle, 211);
  });
});

describe("report", () => {
  const figures: Figure[] = [requestFigure({ p50: 800, p95: 900, n: 20 }), burstFigure(50, 100), rssFigure({ idle_start: 1, idle: 2, peak: 3, children_peak: 4, total_peak: 7, max_children: 1 })];
  test("one JSON line per figure with cores, load, target and ok last", () => {
    const line = jsonLine(figures[0], { cores: 2, load1: 1.5 });
    assert.ok(!line.includes("\n"));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ["figure", "p50", "p95", "n", "cores", "load1", "target", "ok"]);
    assert.equal(parsed.figure, "request_to_commit_ms");
    assert.equal(parsed.ok, true);
  });
  test("the table aligns columns and shows yes / NO / info", () => {
    const lines = formatTable(figures, { cores: 2, load1: 0.5 }).split("\n");
    assert.equal(lines[0], "Plinth bench (2 cores, load 0.5 at the end)");
    assert.match(lines[1], /^figure\s+result\s+judged by\s+ok$/);
    assert.equal(lines.length, 3 + figures.length);
    const col = lines[1].indexOf("result");
    for (const l of lines.slice(3)) assert.notEqual(l[col - 1], undefined);
    assert.ok(lines[3].startsWith("request_to_commit_ms") && lines[3].endsWith("yes"));
    assert.ok(lines[4].startsWith("burst100_s") && lines[4].endsWith("NO"));
    assert.ok(lines[5].endsWith("info"));
    assert.equal(lines[3].indexOf("p50"), col, "result column aligned");
  });
  test("a failed figure is reported with its error", () => {
    const f = failedFigure("start_s", "informational", new Error("npm start exited with 1\nmore"));
    assert.equal(f.ok, false);
    assert.equal(f.summary, "FAILED: npm start exited with 1");
    assert.match(String(f.values.error), /more/);
  });
});

describe("measurement helpers", () => {
  test("parseFrames splits complete SSE frames and keeps the rest", () => {
    const { frames, rest } = parseFrames(': subscribed\n\nid: 1\nevent: status\ndata: {"a":1}\n\nevent: eng');
    assert.deepEqual(frames, [{ comment: "subscribed" }, { event: "status", data: '{"a":1}' }]);
    assert.equal(rest, "event: eng");
  });
  test("commitTime is the last push among a request's commits and refuses unseen commits", () => {
    const pushed = new Map([["a", 10], ["b", 25]]);
    assert.equal(commitTime("r", [{ path: "x", commit: "a" }, { path: "y", commit: "b" }], (c) => pushed.get(c)), 25);
    assert.throws(() => commitTime("r", [{ path: "x", commit: "c" }], (c) => pushed.get(c)), /not seen pushed/);
    assert.throws(() => commitTime("r", [], (c) => pushed.get(c)), /no files/);
  });
  test("reconcile log lines give the up time per stack; failures are kept", () => {
    assert.deepEqual(parseReconciled("reconciled default.teamnamespace.a generation 2 in 612 ms"), { stack: "default.teamnamespace.a", generation: 2, ms: 612 });
    assert.equal(parseReconciled("POST /v1/requests 202 3ms"), undefined);
    const l = reconcileLog();
    l.log("reconciled s generation 1 in 5 ms");
    l.log("reconcile of s failed (attempt 1): boom");
    l.log("GET /v1/requests/failed 404 1ms");
    assert.equal(l.upMs("s"), 5);
    assert.deepEqual(l.failures, ["reconcile of s failed (attempt 1): boom"]);
  });
  test("probes record on live instances and restore the prototype methods", async () => {
    class Writer {
      n = 0;
      async writeDirectory(_: { dir: string; files: Record<string, string> }) {
        return { commit: `c${++this.n}`, changed: this.n !== 2 };
      }
    }
    const w = new Writer();
    const probe = commitProbe(w);
    await w.writeDirectory({ dir: "a", files: {} });
    await w.writeDirectory({ dir: "b", files: {} });
    assert.equal(typeof probe.pushedAt("c1"), "number");
    assert.equal(probe.pushedAt("c2"), undefined, "an unchanged write pushed nothing");
    assert.equal(probe.writeMs("a").length, 1, "every write is timed, by directory");
    assert.equal(probe.writeMs("zzz").length, 0);
    probe.restore();
    assert.equal(Object.prototype.hasOwnProperty.call(w, "writeDirectory"), false);

    class Ws {
      async createStack(name: string) {
        await new Promise((r) => setTimeout(r, 20));
        return name;
      }
    }
    const ws = new Ws();
    const inits = stackInitProbe(ws);
    assert.equal(await ws.createStack("s1"), "s1");
    assert.ok(inits.of("s1")! >= 15, String(inits.of("s1")));
    inits.restore();
    assert.equal(Object.prototype.hasOwnProperty.call(ws, "createStack"), false);
  });
  test("parseArgs: --quick, --only with known figures", () => {
    assert.deepEqual([...parseArgs(["--quick", "--only", "rss_mb,start_s"]).only], ["rss_mb", "start_s"]);
    assert.equal(parseArgs(["--quick"]).quick, true);
    assert.deepEqual([...parseArgs([]).only], [...FIGURES]); // default: every figure
    assert.throws(() => parseArgs(["--only", "nope"]), /unknown figure "nope"/);
    assert.throws(() => parseArgs(["--only"]), /needs a comma-separated list/);
  });
});

describe("start and platform figures", () => {
  test("start_s names what the time was spent on", () => {
    const f = startFigure({ seconds: 9.5, state: "existing", boot_s: 2.1, up_s: 3 });
    assert.equal(f.summary, "9.5 s (npm start; existing .plinth state, npm+tsx boot 2.1 s, up 3 s)");
    assert.equal(f.ok, null);
    assert.equal(platformUpFigure({ cold_s: 8, noop_s: 2 }).summary, "cold 8 s, no-op 2 s (no-op/cold ×0.25)");
  });
});

describe("cpu times", () => {
  test("parses /proc/<pid>/stat after the command (which may hold spaces and parentheses)", () => {
    const line = "42 (tsx (node) x) S 1 42 42 0 -1 4194304 10 0 0 0 250 50 1200 300 20 0 1 0";
    assert.deepEqual(parseStat(line), { self: 3, children: 15 });
    assert.deepEqual(cpuPerRequest({ self: 1, children: 2 }, { self: 3, children: 10 }, 4), { cpu_s_per_request: 2.5, cpu_service_s: 0.5, cpu_children_s: 2 });
    assert.deepEqual(cpuPerRequest(undefined, { self: 3, children: 10 }, 4), {});
  });
});
