import { z } from 'zod';
import { createClassifier, type Classifier } from '../classify/classify-mention.js';
import { evaluateRows, renderEvaluation, renderSummary, type FileEvaluation, type LabelledRow } from '../classify/eval-report.js';
import { loadConfig } from '../config.js';
import { loadLexicon } from '../data-files.js';
import { readJsonLines, readJsonLinesFile, writeLine } from '../util/jsonl.js';
import type { CommandIo } from './command.js';

const inputRow = z.object({
  id: z.unknown().optional(),
  text: z.string(),
  followers: z.number().optional(),
  author: z.object({ followers: z.number().optional() }).passthrough().optional(),
}).passthrough();

export type InputRow = z.infer<typeof inputRow>;

/**
 * Reads `{ id, text }` JSON Lines from stdin and calls `each` per valid row, in order. A bad line gets an
 * `{ line, error }` line in its place so output stays aligned with input; the exit code is then 1.
 */
export async function mapJsonLines(io: CommandIo, each: (row: InputRow) => unknown): Promise<number> {
  let bad = 0;
  for await (const line of readJsonLines(io.stdin)) {
    if (!line.ok) {
      bad++;
      await writeLine(io.stdout, { line: line.line, error: line.error });
      continue;
    }
    const row = inputRow.safeParse(line.value);
    if (!row.success) {
      bad++;
      await writeLine(io.stdout, { line: line.line, error: 'expected an object with a string "text"' });
      continue;
    }
    await writeLine(io.stdout, each(row.data));
  }
  if (bad > 0) io.stderr.write(`triage: ${bad} input line(s) could not be read; see the "error" lines.\n`);
  return bad > 0 ? 1 : 0;
}

function classifierFromConfig(io: CommandIo): Classifier {
  const config = loadConfig(io.env, io.cwd);
  return createClassifier(loadLexicon(config), { influentialFollowers: config.influentialFollowers });
}

export function followersOf(row: InputRow): number | undefined {
  return row.followers ?? row.author?.followers;
}

/** `triage classify`: JSON Lines in, one classification per line out (contract in ARCHITECTURE.md). */
export async function classifyCommand(io: CommandIo): Promise<number> {
  const classifier = classifierFromConfig(io);
  return mapJsonLines(io, (row) => {
    const followers = followersOf(row);
    const result = classifier.classify(row.text, followers === undefined ? {} : { followers });
    return { id: row.id ?? null, ...result };
  });
}

/** `triage eval FILE...`: accuracy and per-class precision/recall/F1 per file, beside the raw baseline. */
export async function evalCommand(io: CommandIo, files: readonly string[]): Promise<number> {
  if (files.length === 0) {
    io.stderr.write('usage: triage eval FILE.jsonl [FILE.jsonl ...]\n');
    return 2;
  }
  const classifier = classifierFromConfig(io);
  let status = 0;
  const evaluations: FileEvaluation[] = [];
  for (const file of files) {
    const rows: LabelledRow[] = [];
    try {
      for await (const line of readJsonLinesFile(file)) {
        if (line.ok && typeof (line.value as LabelledRow)?.text === 'string') rows.push(line.value as LabelledRow);
      }
    } catch (error) {
      io.stderr.write(`triage eval: cannot read ${file}: ${(error as Error).message}\n`);
      status = 1;
      continue;
    }
    const evaluation = evaluateRows(file, rows, classifier);
    evaluations.push(evaluation);
    io.stdout.write(`${renderEvaluation(evaluation)}\n\n`);
  }
  if (evaluations.length > 1) io.stdout.write(`${renderSummary(evaluations)}\n`);
  return status;
}
