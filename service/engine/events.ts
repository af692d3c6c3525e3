/**
 * Reading the engine's event log (`pulumi … --event-log <file>`): JSON lines, tailed while the CLI runs,
 * so progress streams to callers and stack outputs come from the events instead of extra CLI calls.
 */
import * as fs from "node:fs";
import type { EngineEvent } from "@pulumi/pulumi/automation";

export type { EngineEvent };

export interface EventTail {
  /** Stops tailing after reading whatever is left in the file. */
  stop(): Promise<EngineEvent[]>;
}

/** Tails `file` (created by the CLI later), calling `onEvent` for each complete JSON line. */
export function tailEvents(file: string, onEvent?: (e: EngineEvent) => void): EventTail {
  const events: EngineEvent[] = [];
  let offset = 0;
  let partial = "";
  let stopped = false;

  const drain = (): void => {
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const text = partial + buf.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as EngineEvent;
        events.push(ev);
        onEvent?.(ev);
      }
    } finally {
      fs.closeSync(fd);
    }
  };

  const timer = setInterval(() => {
    if (!stopped) drain();
  }, 40);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      drain();
      if (partial.trim()) {
        const ev = JSON.parse(partial) as EngineEvent;
        events.push(ev);
        onEvent?.(ev);
        partial = "";
      }
      return events;
    },
  };
}

/** The root stack resource's outputs, taken from its `resOutputsEvent`. */
export function stackOutputsOf(events: EngineEvent[]): Record<string, unknown> {
  for (let i = events.length - 1; i >= 0; i--) {
    const m = events[i].resOutputsEvent?.metadata;
    if (m && m.type === "pulumi:pulumi:Stack") return (m.new?.outputs as Record<string, unknown>) ?? {};
  }
  return {};
}

/** Error diagnostics (the engine's and the program's), in order. */
export function errorsOf(events: EngineEvent[]): string[] {
  return events
    .filter((e) => e.diagnosticEvent?.severity === "error")
    .map((e) => stripAnsi(e.diagnosticEvent!.message).trim())
    .filter((m) => m.length > 0);
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex -- ANSI escapes start with ESC
  return s.replace(/\u001b\[[0-9;]*m/g, "").replace(/<\{%[^%]*%\}>/g, "");
}
