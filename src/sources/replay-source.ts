import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Mention, OwnPost } from '../domain/mention.js';
import { readJsonLinesFile } from '../util/jsonl.js';
import type { Source, SourceBatch } from './source.js';

/** X began in 2006; a post dated more than a century ahead is a broken export, not a post. */
const EARLIEST = Date.UTC(2006, 0, 1);
const LATEST_YEARS_AHEAD = 100;
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date').refine((s) => {
  const at = Date.parse(s);
  return at >= EARLIEST && at <= Date.now() + LATEST_YEARS_AHEAD * 365.25 * 86_400_000;
}, `must be between 2006 and ${LATEST_YEARS_AHEAD} years from now`);

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
    for await (const line of readJsonLinesFile(path)) {
      if (!line.ok) continue;
      const row = replayRow.safeParse(line.value);
      if (row.success) newest = Math.max(newest ?? -Infinity, Date.parse(row.data.created_at));
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
      for await (const line of readJsonLinesFile(path)) {
        if (signal.aborted) return;
        lineNumber = line.line;
        if (line.line <= consumed) continue;
        if (!line.ok) {
          reject(line.line, line.error);
        } else {
          const parsed = replayRow.safeParse(line.value);
          if (!parsed.success) reject(line.line, parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; '));
          else if (parsed.data.inbound === false) ownPosts.push(toOwnPost(parsed.data, shift));
          else mentions.push(toMention(parsed.data, shift));
        }
        if (mentions.length + ownPosts.length >= batchSize) {
          yield { stream, mentions, ownPosts, cursor: cursorAt() };
          mentions = [];
          ownPosts = [];
        }
      }
      if (mentions.length > 0 || ownPosts.length > 0 || lineNumber > consumed) yield { stream, mentions, ownPosts, cursor: cursorAt() };
    },
  };
}

/** A brand post in the file (`inbound: false`): its replies mark alerts responded, as on X. */
function toOwnPost(row: z.infer<typeof replayRow>, shift: number): OwnPost {
  const post: OwnPost = { platform: row.platform, nativeId: row.id, createdAt: Date.parse(row.created_at) + shift };
  const inReplyTo = row.in_reply_to_id ?? row.in_response_to;
  if (inReplyTo) post.inReplyToId = inReplyTo;
  if (row.conversation_id) post.conversationId = row.conversation_id;
  return post;
}

function toMention(row: z.infer<typeof replayRow>, shift: number): Mention {
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
