import { createClassifier, type Classifier } from '../classify/classify-mention.js';
import { evaluateRows, renderEvaluation, renderSummary, type FileEvaluation, type LabelledRow } from '../classify/eval-report.js';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import { loadLexicon } from '../lexicon-files.js';
import { readJsonLines, readJsonLinesFile, writeLine } from '../util/jsonl.js';
import type { CommandIo } from './command.js';

/**
 * One input row: only `text` is required; `id`, `followers`, `author.followers` and `author.handle`
 * are used when they have a usable type and ignored otherwise, and every other field may be anything
 * (public exports carry `author` as a string, `followers` as text, nulls everywhere).
 */
export interface InputRow {
  id: unknown;
  text: string;
  followers: number | undefined;
  handle: string | undefined;
}

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/** A follower count from a number or a decimal string ("1200"); anything else is ignored. */
function count(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The row, or the reason it cannot be used, naming the field. */
export function readInputRow(value: unknown): InputRow | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected a JSON object with a string "text", got ${typeOf(value)}`;
  const row = value as Record<string, unknown>;
  if (typeof row.text !== 'string') return `"text": expected a string, got ${row.text === undefined ? 'nothing' : typeOf(row.text)}`;
  const author = typeof row.author === 'object' && row.author !== null && !Array.isArray(row.author) ? (row.author as Record<string, unknown>) : undefined;
  const handle = [author?.handle, row.handle, typeof row.author === 'string' ? row.author : undefined].find((h): h is string => typeof h === 'string' && h.trim() !== '');
  return { id: row.id ?? null, text: row.text, followers: count(row.followers) ?? count(author?.followers), handle };
}

/**
 * Reads `{ id, text }` JSON Lines from stdin and calls `each` per valid row, in order. A bad line gets an
 * `{ line, error }` line in its place so output stays aligned with input; the exit code is then 1.
 */
export async function mapJsonLines(io: CommandIo, each: (row: InputRow) => unknown): Promise<number> {
  let bad = 0;
  for await (const line of readJsonLines(io.stdin)) {
    const row = line.ok ? readInputRow(line.value) : line.error;
    if (typeof row === 'string') {
      bad++;
      await writeLine(io.stdout, { line: line.line, error: row });
      continue;
    }
    await writeLine(io.stdout, each(row));
  }
  if (bad > 0) io.stderr.write(`triage: ${bad} input line(s) could not be read; see the "error" lines.\n`);
  return bad > 0 ? 1 : 0;
}

function classifierFromConfig(io: CommandIo): Classifier {
  const config = loadConfig(io.env, io.cwd);
  return createClassifier(loadLexicon(config), { influentialFollowers: config.influentialFollowers });
}

/** `triage classify`: JSON Lines in, one classification per line out (contract in ARCHITECTURE.md). */
export async function classifyCommand(io: CommandIo): Promise<number> {
  const classifier = classifierFromConfig(io);
  return mapJsonLines(io, (row) => {
    const { sentiment, score, categories, urgency, reasons } = classifier.classify(row.text, row.followers === undefined ? {} : { followers: row.followers });
    // Exactly the contract's fields: the crisis tier is in `categories` and `reasons` (readCrisisFlag).
    return { id: row.id, sentiment, score, categories, urgency, reasons };
  });
}

/** `triage eval FILE...`: accuracy and per-class precision/recall/F1 per file, beside the raw baseline. */
export async function evalCommand(io: CommandIo, args: readonly string[]): Promise<number> {
  const { values, positionals: files } = parseArgs({ args: [...args], allowPositionals: true, options: { corrections: { type: 'boolean' } } });
  if (files.length === 0 && !values.corrections) {
    io.stderr.write('usage: triage eval FILE.jsonl [FILE.jsonl ...] | triage eval --corrections\n');
    return 2;
  }
  const classifier = classifierFromConfig(io);
  let status = 0;
  const evaluations: FileEvaluation[] = [];
  if (values.corrections) {
    // What the team corrected on cards: the post's text with the labels people settled on.
    const config = loadConfig(io.env, io.cwd);
    const store = await openStore(config);
    let rows;
    try {
      rows = await store.corrections.labelledRows();
    } finally {
      await store.close();
    }
    const evaluation = evaluateRows(`corrections in ${config.databasePath}`, rows, classifier);
    evaluations.push(evaluation);
    io.stdout.write(rows.length === 0 ? 'No label corrections recorded yet ("Wrong label?" on a card records one).\n\n' : `${renderEvaluation(evaluation)}\n\n`);
  }
  for (const file of files) {
    const rows: LabelledRow[] = [];
    try {
      for await (const line of readJsonLinesFile(file)) {
        const row = line.ok ? labelledRow(line.value) : undefined;
        if (row) rows.push(row);
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

/** A labelled row for `eval`: labels of the wrong type (numbers or nulls among categories) are left out. */
function labelledRow(value: unknown): LabelledRow | undefined {
  const row = readInputRow(value);
  if (typeof row === 'string') return undefined;
  const raw = value as Record<string, unknown>;
  const labelled: LabelledRow = { id: row.id, text: row.text };
  if (row.followers !== undefined) labelled.followers = row.followers;
  if (typeof raw.label === 'string') labelled.label = raw.label;
  if (Array.isArray(raw.categories)) labelled.categories = raw.categories.filter((c): c is string => typeof c === 'string');
  if (typeof raw.urgency === 'string') labelled.urgency = raw.urgency;
  if (typeof raw.tier === 'string') labelled.tier = raw.tier;
  if (typeof raw.kind === 'string') labelled.kind = raw.kind;
  if (raw.hard === true) labelled.hard = true;
  return labelled;
}
