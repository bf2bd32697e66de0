import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export type JsonLine = { line: number; ok: true; value: unknown } | { line: number; ok: false; error: string };

/** Parses JSON Lines from a stream; blank lines are skipped, a bad line is reported, not thrown. */
export async function* readJsonLines(input: Readable): AsyncGenerator<JsonLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, ok: true, value: JSON.parse(text) };
    } catch (error) {
      yield { line, ok: false, error: `not JSON: ${(error as Error).message}` };
    }
  }
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
