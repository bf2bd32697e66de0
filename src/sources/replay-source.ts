import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Mention, OwnPost } from '../domain/mention.js';
import { readJsonLineChunksFile } from '../util/jsonl.js';
import type { Source, SourceBatch } from './source.js';

/** X began in 2006; a post dated more than a century ahead is a broken export, not a post. */
const EARLIEST = Date.UTC(2006, 0, 1);
const LATEST_YEARS_AHEAD = 100;
const inRange = (at: number) => at >= EARLIEST && at <= Date.now() + LATEST_YEARS_AHEAD * 365.25 * 86_400_000;
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date').refine((s) => inRange(Date.parse(s)), `must be between 2006 and ${LATEST_YEARS_AHEAD} years from now`);

/**
 * A replay row: the normalised mention shape of `data/sample-mentions.jsonl`, with the looser
 * fields of public exports (`author_id`, `in_response_to`, `inbound`) accepted too. Rows marked
 * `inbound: false` are the brand's own posts.
 */
const replayRow = z.object({
  platform: z.string().default('replay'),
  id: z.union([z.string(), z.number()]).transform(String),
  text: z.string(),
  created_at: isoDate,
  url: z.string().nullish(),
  author: z
    .object({
      id: z.union([z.string(), z.number()]).transform(String),
      handle: z.string(),
      name: z.string().nullish(),
      followers: z.number().int().nonnegative().nullish(),
      verified: z.boolean().nullish(),
    })
    .optional(),
  author_id: z.union([z.string(), z.number()]).transform(String).optional(),
  conversation_id: z.union([z.string(), z.number()]).transform(String).nullish(),
  in_reply_to_id: z.union([z.string(), z.number()]).transform(String).nullish(),
  in_response_to: z.union([z.string(), z.number()]).transform(String).nullish(),
  in_reply_to_text: z.string().nullish(),
  inbound: z.boolean().optional(),
});

type ReplayRow = z.infer<typeof replayRow>;

export type ReadRow = { ok: true; row: ReplayRow } | { ok: false; reason: string };

/**
 * One replay row read: the usual shape is checked by hand (zod took a third of the replay's time and
 * most of its garbage), anything else by the schema, which also words what is wrong.
 */
export function readReplayRow(value: unknown): ReadRow {
  const row = usualRow(value);
  return row ? { ok: true, row } : readReplayRowStrictly(value);
}

/** The schema alone (the test holds {@link readReplayRow} to it). */
export function readReplayRowStrictly(value: unknown): ReadRow {
  const parsed = replayRow.safeParse(value);
  return parsed.success ? { ok: true, row: parsed.data } : { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ') };
}

const isId = (v: unknown): v is string | number => typeof v === 'string' || typeof v === 'number';
const isNullishOr = (v: unknown, type: 'string' | 'boolean') => v === undefined || v === null || typeof v === type;
const isNullishId = (v: unknown) => v === undefined || v === null || isId(v);

/**
 * The row when every field the schema knows has one of its usual types, normalised in place as the
 * schema would (ids as strings, the platform's default); undefined for anything else, which the
 * schema then reads. It never accepts a row the schema refuses.
 */
function usualRow(value: unknown): ReplayRow | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (!(r.platform === undefined || typeof r.platform === 'string') || !isId(r.id) || typeof r.text !== 'string' || typeof r.created_at !== 'string') return undefined;
  if (!inRange(Date.parse(r.created_at))) return undefined;
  if (!isNullishOr(r.url, 'string') || !isNullishOr(r.in_reply_to_text, 'string') || !(r.inbound === undefined || typeof r.inbound === 'boolean')) return undefined;
  if (!(r.author_id === undefined || isId(r.author_id)) || !isNullishId(r.conversation_id) || !isNullishId(r.in_reply_to_id) || !isNullishId(r.in_response_to)) return undefined;
  const a = r.author;
  if (a !== undefined) {
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return undefined;
    const author = a as Record<string, unknown>;
    if (!isId(author.id) || typeof author.handle !== 'string' || !isNullishOr(author.name, 'string') || !isNullishOr(author.verified, 'boolean')) return undefined;
    if (!(author.followers === undefined || author.followers === null || (Number.isSafeInteger(author.followers) && (author.followers as number) >= 0))) return undefined;
    if (typeof author.id === 'number') author.id = String(author.id);
  }
  r.platform ??= 'replay';
  for (const key of ['id', 'author_id', 'conversation_id', 'in_reply_to_id', 'in_response_to'] as const) if (typeof r[key] === 'number') r[key] = String(r[key]);
  return r as ReplayRow;
}

export interface ReplayOptions {
  path: string;
  batchSize?: number;
  /** Shift every timestamp so that the newest mention was posted at this time (the demo uses now). */
  shiftNewestTo?: number;
  /** Called for rows that cannot be used, with the line number and why. */
  onSkip?: (line: number, reason: string) => void;
}

/** Why the replay file cannot be read, naming it as `setting` does (`--replay`, `SAMPLE_MENTIONS_PATH=`), or undefined. */
export function replayFileProblem(path: string, setting = '--replay '): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${setting}${path}: is a folder, not a JSON Lines file.`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${setting}${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message}.`;
  }
}

/**
 * Replays a JSON Lines file as if it were a platform. The cursor is the number of lines consumed,
 * so a second run yields nothing new. It never moves past a row that could not be read: that row
 * (and, harmlessly, the stored ones after it) is read again next time, so a fixed file is picked up.
 */
export function createReplaySource(options: ReplayOptions): Source {
  const path = resolve(options.path);
  const stream = `file:${path}`;
  const batchSize = options.batchSize ?? 100;
  const skip = options.onSkip ?? (() => {});

  async function newestCreatedAt(): Promise<number | undefined> {
    let newest: number | undefined;
    for await (const lines of readJsonLineChunksFile(path)) {
      for (const line of lines) {
        if (!line.ok) continue;
        const read = readReplayRow(line.value);
        if (read.ok) newest = Math.max(newest ?? -Infinity, Date.parse(read.row.created_at));
      }
    }
    return newest;
  }

  return {
    name: 'replay',
    async *poll(cursor, signal): AsyncGenerator<SourceBatch> {
      const consumed = Number(cursor(stream) ?? '0');
      const newest = options.shiftNewestTo === undefined ? undefined : await newestCreatedAt();
      const shift = newest === undefined || options.shiftNewestTo === undefined ? 0 : options.shiftNewestTo - newest;
      let mentions: Mention[] = [];
      let ownPosts: OwnPost[] = [];
      let lineNumber = 0;
      /** The cursor stops before the first unreadable row. */
      let firstBad: number | undefined;
      const cursorAt = () => String(firstBad === undefined ? Math.max(lineNumber, consumed) : Math.max(firstBad - 1, consumed));
      const reject = (line: number, reason: string) => {
        firstBad ??= line;
        skip(line, reason);
      };
      // Lines up to the cursor are counted, not parsed: a run resumed after a stop reads on at once.
      for await (const lines of readJsonLineChunksFile(path, consumed)) {
        for (const line of lines) {
          if (signal.aborted) return;
          lineNumber = line.line;
          if (!line.ok) {
            reject(line.line, line.error);
          } else {
            const read = readReplayRow(line.value);
            if (!read.ok) reject(line.line, read.reason);
            else if (read.row.inbound === false) ownPosts.push(toOwnPost(read.row, shift));
            else mentions.push(toMention(read.row, shift));
          }
          if (mentions.length + ownPosts.length >= batchSize) {
            yield { stream, mentions, ownPosts, cursor: cursorAt() };
            mentions = [];
            ownPosts = [];
          }
        }
      }
      if (mentions.length > 0 || ownPosts.length > 0 || lineNumber > consumed) yield { stream, mentions, ownPosts, cursor: cursorAt() };
    },
  };
}

/** A brand post in the file (`inbound: false`): its replies mark alerts responded, as on X. */
function toOwnPost(row: ReplayRow, shift: number): OwnPost {
  const post: OwnPost = { platform: row.platform, nativeId: row.id, createdAt: Date.parse(row.created_at) + shift };
  const inReplyTo = row.in_reply_to_id ?? row.in_response_to;
  if (inReplyTo) post.inReplyToId = inReplyTo;
  if (row.conversation_id) post.conversationId = row.conversation_id;
  return post;
}

function toMention(row: ReplayRow, shift: number): Mention {
  const authorId = row.author?.id ?? row.author_id ?? 'unknown';
  const mention: Mention = {
    platform: row.platform,
    nativeId: row.id,
    author: { id: authorId, handle: row.author?.handle ?? authorId },
    text: row.text,
    createdAt: Date.parse(row.created_at) + shift,
    stream: 'replay',
  };
  if (row.author?.name) mention.author.name = row.author.name;
  if (row.author?.followers != null) mention.author.followers = row.author.followers;
  if (row.author?.verified != null) mention.author.verified = row.author.verified;
  if (row.url) mention.url = row.url;
  if (row.conversation_id) mention.conversationId = row.conversation_id;
  const inReplyTo = row.in_reply_to_id ?? row.in_response_to;
  if (inReplyTo) mention.inReplyToId = inReplyTo;
  if (row.in_reply_to_text) mention.inReplyToText = row.in_reply_to_text;
  return mention;
}
