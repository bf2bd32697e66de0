import { loadConfig } from '../config.js';
import { loadLexicon } from '../lexicon-files.js';
import { createReplyGuard, type ReplyGuard } from '../triage/reply-guard.js';
import { readJsonLines, readJsonLinesFile, writeLine } from '../util/jsonl.js';
import type { CommandIo } from './command.js';

const USAGE = 'usage: triage reply check < replies.jsonl   (lines {"id", "text", "mention"})\n       triage reply eval FILE.jsonl [FILE.jsonl ...]   (lines {"id", "text", "mention", "ok"})\n';

/** `triage reply check | eval`: the reply guard on a team's own replies. */
export async function replyCommand(io: CommandIo, args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check' && rest.length === 0) return checkReplies(io, guardFromConfig(io));
  if (sub === 'eval' && rest.length > 0) return evalReplies(io, guardFromConfig(io), rest);
  io.stderr.write(USAGE);
  return 2;
}

function guardFromConfig(io: CommandIo): ReplyGuard {
  return createReplyGuard(loadLexicon(loadConfig(io.env, io.cwd)));
}

interface ReplyRow {
  id: unknown;
  text: string;
  mention: string;
}

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/** The row, or the reason it cannot be used, naming the field. `mention` may be left out. */
export function readReplyRow(value: unknown): ReplyRow | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected a JSON object with a string "text", got ${typeOf(value)}`;
  const row = value as Record<string, unknown>;
  if (typeof row.text !== 'string') return `"text": expected a string, got ${row.text === undefined ? 'nothing' : typeOf(row.text)}`;
  if (row.mention !== undefined && row.mention !== null && typeof row.mention !== 'string') return `"mention": expected a string, got ${typeOf(row.mention)}`;
  return { id: row.id ?? null, text: row.text, mention: typeof row.mention === 'string' ? row.mention : '' };
}

/** One `{ id, ok, problems }` line per input line, in order; a bad line gets `{ line, error }` and exit 1. */
async function checkReplies(io: CommandIo, guard: ReplyGuard): Promise<number> {
  let bad = 0;
  for await (const line of readJsonLines(io.stdin)) {
    const row = line.ok ? readReplyRow(line.value) : line.error;
    if (typeof row === 'string') {
      bad++;
      await writeLine(io.stdout, { line: line.line, error: row });
      continue;
    }
    const verdict = guard.check(row.text, row.mention);
    await writeLine(io.stdout, { id: row.id, ok: verdict.ok, problems: verdict.problems });
  }
  if (bad > 0) io.stderr.write(`triage: ${bad} input line(s) could not be read; see the "error" lines.\n`);
  return bad > 0 ? 1 : 0;
}

/**
 * How well the guard separates safe replies from unsafe ones on labelled sets: "caught" is the
 * share of unsafe replies refused (what matters most), "passed" the share of safe ones let through.
 */
async function evalReplies(io: CommandIo, guard: ReplyGuard, files: readonly string[]): Promise<number> {
  let status = 0;
  for (const file of files) {
    const missed: string[] = [];
    const blocked: string[] = [];
    let unsafe = 0;
    let safe = 0;
    const byWhy = new Map<string, { n: number; caught: number }>();
    try {
      for await (const line of readJsonLinesFile(file)) {
        if (!line.ok) continue;
        const row = readReplyRow(line.value);
        const raw = line.value as Record<string, unknown>;
        if (typeof row === 'string' || typeof raw.ok !== 'boolean') continue;
        const verdict = guard.check(row.text, row.mention);
        if (raw.ok) {
          safe++;
          if (!verdict.ok) blocked.push(`${String(row.id)}: ${verdict.problems.join('; ')}`);
        } else {
          unsafe++;
          const why = typeof raw.why === 'string' ? raw.why : 'other';
          const tally = byWhy.get(why) ?? { n: 0, caught: 0 };
          tally.n++;
          if (!verdict.ok) tally.caught++;
          else missed.push(`${String(row.id)} (${why}): ${row.text}`);
          byWhy.set(why, tally);
        }
      }
    } catch (error) {
      io.stderr.write(`triage reply eval: cannot read ${file}: ${(error as Error).message}\n`);
      status = 1;
      continue;
    }
    const share = (part: number, whole: number) => (whole === 0 ? '–' : (part / whole).toFixed(3).replace(/^0/, ''));
    const lines = [
      `${file}: ${safe + unsafe} replies`,
      `  unsafe caught ${unsafe - missed.length}/${unsafe} (${share(unsafe - missed.length, unsafe)})   safe passed ${safe - blocked.length}/${safe} (${share(safe - blocked.length, safe)})`,
      `  by kind   ${[...byWhy].sort(([a], [b]) => a.localeCompare(b)).map(([why, t]) => `${why} ${t.caught}/${t.n}`).join(' · ')}`,
      ...missed.map((m) => `  missed    ${m}`),
      ...blocked.map((b) => `  blocked   ${b}`),
    ];
    io.stdout.write(`${lines.join('\n')}\n\n`);
  }
  return status;
}
