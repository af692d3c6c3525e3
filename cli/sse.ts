/**
 * Reads Server-Sent Events from a fetch body with `eventsource-parser` (the WHATWG parsing rules: CRLF,
 * multi-line `data:`, comments, `id:`/`retry:`, a frame split across chunks). The parser is an ES module:
 * imported on use.
 */
import type { EventSourceMessage } from "eventsource-parser" with { "resolution-mode": "import" };

export interface SseFrame {
  event: string;
  data: string;
}

async function sseParser(onFrame: (f: SseFrame) => void): Promise<{ feed(text: string): void }> {
  const { createParser } = await import("eventsource-parser");
  return createParser({ onEvent: (m: EventSourceMessage) => onFrame({ event: m.event ?? "message", data: m.data }) });
}

/** One complete frame's text (without the blank line), or undefined when it carries no data (a comment). */
export async function parseFrame(block: string): Promise<SseFrame | undefined> {
  const frames: SseFrame[] = [];
  (await sseParser((f) => frames.push(f))).feed(`${block}\n\n`);
  return frames[0];
}

export async function* readSse(body: ReadableStream<Uint8Array> | null): AsyncGenerator<SseFrame> {
  if (!body) return;
  const frames: SseFrame[] = [];
  const parser = await sseParser((f) => frames.push(f));
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (frames.length) yield frames.shift()!;
  }
}
