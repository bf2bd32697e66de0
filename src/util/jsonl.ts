import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export type JsonLine = { line: number; ok: true; value: unknown } | { line: number; ok: false; error: string };

/**
 * Parses JSON Lines from a stream; blank lines are skipped, a bad line is reported, not thrown.
 * Lines end at `\n` only (a `\r` before it is dropped): readline would also break at a lone `\r`,
 * shifting every later line number in the messages.
 */
export async function* readJsonLines(input: Readable): AsyncGenerator<JsonLine> {
  for await (const lines of readJsonLineChunks(input)) yield* lines;
}

export function readJsonLinesFile(path: string): AsyncGenerator<JsonLine> {
  return readJsonLines(createReadStream(path, { encoding: 'utf8' }));
}

/**
 * The lines of {@link readJsonLines}, one array per chunk read: a reader of a million rows then
 * awaits once per chunk instead of once per line. Lines up to `skipThrough` are counted, not
 * parsed (a replay resuming after its cursor).
 */
export async function* readJsonLineChunks(input: Readable, skipThrough = 0): AsyncGenerator<JsonLine[]> {
  let line = 0;
  let rest = '';
  const parse = (raw: string, into: JsonLine[]): void => {
    line++;
    if (line <= skipThrough) return;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    try {
      into.push({ line, ok: true, value: JSON.parse(text) });
    } catch (error) {
      into.push({ line, ok: false, error: `not JSON: ${(error as Error).message}` });
    }
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    const lines: JsonLine[] = [];
    for (const part of parts) parse(part, lines);
    if (lines.length > 0) yield lines;
  }
  const last: JsonLine[] = [];
  parse(rest, last);
  if (last.length > 0) yield last;
}

/** {@link readJsonLineChunks} of a file. */
export function readJsonLineChunksFile(path: string, skipThrough = 0): AsyncGenerator<JsonLine[]> {
  return readJsonLineChunks(createReadStream(path, { encoding: 'utf8' }), skipThrough);
}

/** Writes one line, waiting when the stream's buffer is full (so piping a million rows stays flat). */
export async function writeLine(output: Writable, value: unknown): Promise<void> {
  if (!output.write(`${JSON.stringify(value)}\n`)) {
    await new Promise<void>((resolve) => output.once('drain', resolve));
  }
}
