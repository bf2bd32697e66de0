import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export type JsonLine = { line: number; ok: true; value: unknown } | { line: number; ok: false; error: string };

/**
 * Parses JSON Lines from a stream; blank lines are skipped, a bad line is reported, not thrown.
 * Lines end at `\n` only (a `\r` before it is dropped): readline would also break at a lone `\r`,
 * shifting every later line number in the messages.
 */
export async function* readJsonLines(input: Readable): AsyncGenerator<JsonLine> {
  let line = 0;
  let rest = '';
  const parse = (raw: string): JsonLine | undefined => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return undefined;
    try {
      return { line, ok: true, value: JSON.parse(text) };
    } catch (error) {
      return { line, ok: false, error: `not JSON: ${(error as Error).message}` };
    }
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) {
      const parsed = parse(part);
      if (parsed) yield parsed;
    }
  }
  const last = parse(rest);
  if (last) yield last;
}

export function readJsonLinesFile(path: string): AsyncGenerator<JsonLine> {
  return readJsonLines(createReadStream(path, { encoding: 'utf8' }));
}

/** Writes one line, waiting when the stream's buffer is full (so piping a million rows stays flat). */
export async function writeLine(output: Writable, value: unknown): Promise<void> {
  if (!output.write(`${JSON.stringify(value)}\n`)) {
    await new Promise<void>((resolve) => output.once('drain', resolve));
  }
}
