/**
 * Step logs (DESIGN.md §4): what every workflow step printed (command steps' stdout and stderr, render
 * steps' `log` calls), kept per request and generation beside the request's status, as JSON lines in
 * `<workDir>/logs/<stack>/<generation>-<phase>.jsonl`. Each run of a phase replaces that phase's file;
 * each step keeps at most `maxStepBytes`, then one marker line says how much was dropped. Text arrives
 * redacted (the workflow runner redacts before anything reaches a sink).
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type StepLogStream = "stdout" | "stderr" | "log" | "plinth";

export interface StepLogEntry {
  time: string;
  generation: number;
  /** `configure` or `delete`. */
  phase: string;
  /** `<pipeline>/<step>`, or `plinth` for the service's own notes. */
  step: string;
  stream: StepLogStream;
  text: string;
}

export const DEFAULT_MAX_STEP_LOG_BYTES = 256 * 1024;

export class StepLogStore {
  private readonly dir: string;
  /** Bytes kept per `<file>\0<step>`; -1 once the marker was written. */
  private readonly kept = new Map<string, number>();
  private readonly maxStepBytes: number;

  constructor(workDir: string, opts: { maxStepBytes?: number } = {}) {
    this.dir = path.join(workDir, "logs");
    this.maxStepBytes = opts.maxStepBytes ?? DEFAULT_MAX_STEP_LOG_BYTES;
  }

  private file(stack: string, generation: number, phase: string): string {
    return path.join(this.dir, stack, `${generation}-${phase}.jsonl`);
  }

  /** Starts a run: the phase's earlier log of this generation is replaced. */
  begin(stack: string, generation: number, phase: string): void {
    const f = this.file(stack, generation, phase);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, "");
    for (const k of [...this.kept.keys()]) if (k.startsWith(`${f}\0`)) this.kept.delete(k);
  }

  /** Stores one piece of output (within the step's cap); returns what was stored (the marker, once capped), if anything. */
  append(stack: string, generation: number, phase: string, e: { step: string; stream: StepLogStream; text: string }): StepLogEntry | undefined {
    const f = this.file(stack, generation, phase);
    const k = `${f}\0${e.step}`;
    const used = this.kept.get(k) ?? 0;
    if (used < 0) return undefined;
    let text = e.text;
    const size = Buffer.byteLength(text);
    let capped = false;
    if (used + size > this.maxStepBytes) {
      capped = true;
      const room = Math.max(0, this.maxStepBytes - used);
      text = Buffer.from(text).subarray(0, room).toString("utf8").replace(/[^\n]*$/, "");
    }
    const entries: StepLogEntry[] = [];
    const time = new Date().toISOString();
    if (text) entries.push({ time, generation, phase, step: e.step, stream: e.stream, text });
    if (capped) {
      entries.push({ time, generation, phase, step: e.step, stream: "plinth", text: `[log of step ${e.step} truncated: it printed more than ${this.maxStepBytes} bytes; the rest is not kept]\n` });
      this.kept.set(k, -1);
    } else this.kept.set(k, used + size);
    if (!entries.length) return undefined;
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.appendFileSync(f, entries.map((x) => JSON.stringify(x) + "\n").join(""));
    return entries[entries.length - 1];
  }

  /** Generations that have logs, ascending. */
  generations(stack: string): number[] {
    const d = path.join(this.dir, stack);
    if (!fs.existsSync(d)) return [];
    const gens = new Set<number>();
    for (const f of fs.readdirSync(d)) {
      const m = /^(\d+)-[a-z]+\.jsonl$/.exec(f);
      if (m) gens.add(Number(m[1]));
    }
    return [...gens].sort((a, b) => a - b);
  }

  /** Entries of one generation (default: the latest), configure before delete, optionally of one step. */
  read(stack: string, opts: { generation?: number; step?: string } = {}): { generation: number | undefined; entries: StepLogEntry[] } {
    const generation = opts.generation ?? this.generations(stack).pop();
    if (generation === undefined) return { generation, entries: [] };
    const entries: StepLogEntry[] = [];
    for (const phase of ["configure", "delete"]) {
      const f = this.file(stack, generation, phase);
      if (!fs.existsSync(f)) continue;
      for (const line of fs.readFileSync(f, "utf8").split("\n")) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as StepLogEntry;
          if (!opts.step || matchesStep(e.step, opts.step)) entries.push(e);
        } catch {
          /* a line cut by a crash */
        }
      }
    }
    return { generation, entries };
  }

  /** Forgets a deleted request's logs. */
  remove(stack: string): void {
    fs.rmSync(path.join(this.dir, stack), { recursive: true, force: true });
    for (const k of [...this.kept.keys()]) if (k.startsWith(path.join(this.dir, stack) + path.sep)) this.kept.delete(k);
  }
}

/** `--step render` matches `configure/render`; `--step configure/render` matches exactly. */
export function matchesStep(step: string, want: string): boolean {
  return step === want || step.endsWith(`/${want}`);
}

/**
 * A sink for one run: stores each piece (capped) and streams all of it live as `log` events (watchers
 * see everything; the store keeps the first `maxStepBytes` of each step and a marker).
 */
export function stepLogSink(
  logs: StepLogStore,
  emit: (e: { type: "log"; message: string; data: unknown }) => void,
  stack: string,
  generation: number,
  phase: string,
  begin = false,
): (e: { step: string; stream: StepLogStream; text: string }) => void {
  if (begin) logs.begin(stack, generation, phase);
  return (e) => {
    const text = e.text.endsWith("\n") ? e.text : `${e.text}\n`;
    const stored = logs.append(stack, generation, phase, { ...e, text });
    emit({ type: "log", message: text, data: { step: e.step, stream: e.stream, generation, phase } });
    if (stored?.stream === "plinth") emit({ type: "log", message: stored.text, data: { step: e.step, stream: "plinth", generation, phase } });
  };
}
