import type { FacebookConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { Source, SourceBatch } from '../source.js';
import { createStreamGuard, LastBatchHolder, type RequestPolicy, type Sleep } from '../request-policy.js';
import { commentMention, postMention, ratingMention, type GraphComment, type GraphPost, type GraphRating } from './facebook-mentions.js';
import { isDeprecatedInThisVersion, isTokenRejected, parseGraphTime, translateGraphError, type GraphClient } from './graph-client.js';

/** `feed`: the page's posts, visitor posts and tags, and every comment and reply on them; `ratings`: recommendations. */
export type FacebookStream = 'feed' | 'ratings';

export interface FacebookSourceOptions {
  config: FacebookConfig;
  client: GraphClient;
  log: Logger;
  now?: () => number;
  /** Posts per feed request (default 25) and comments per comments request (default 100). */
  pageSize?: { posts: number; comments: number };
  /** Retries, and how long a throttle may be waited out before the stream pauses (the shared default). */
  policy?: RequestPolicy;
  /**
   * New comments are looked for on posts created up to this long before the cursor (default 14 days):
   * the feed is newest first, so reading it to the beginning every poll would cost without end.
   */
  postWindowMs?: number;
  sleep?: Sleep;
  onRateLimited?: () => void;
}

interface GraphList<T> {
  data?: T[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string };
}

const POST_FIELDS = 'id,message,created_time,updated_time,permalink_url,from{id,name}';
const COMMENT_FIELDS = 'id,message,created_time,permalink_url,from{id,name},parent{id,message}';
const RATING_FIELDS = 'created_time,recommendation_type,review_text,reviewer{id,name},open_graph_story{id}';
/** A sweep never follows more pages than this, whatever `next` links keep coming. */
const MAX_PAGES = 500;

/**
 * A Facebook Page through the Graph API: visitor posts and posts that tag the page (as `/feed`
 * returns them), every comment and nested reply on the page's recent posts (`filter=stream`), the
 * page's own posts and comment replies as own posts (the real first responses), and page
 * recommendations while the configured Graph version still serves them (error 12 from v22 on: the
 * stream is then skipped quietly). Each stream keeps the newest creation time it has stored as its
 * cursor, carried only by the batch that ends a sweep.
 */
export function createFacebookPageSource(options: FacebookSourceOptions): Source & { readonly pausedUntil: ReadonlyMap<string, number> } {
  const { config, client, log } = options;
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? { posts: 25, comments: 100 };
  const postWindowMs = options.postWindowMs ?? 14 * 86_400_000;
  const guard = createStreamGuard({
    platform: 'Facebook',
    log,
    now,
    policy: options.policy,
    sleep: options.sleep,
    onRateLimited: options.onRateLimited,
    isCredentialFailure: isTokenRejected,
  });
  let ratingsUnavailable = false;

  async function list<T>(stream: FacebookStream, path: string, params: Record<string, string>, signal: AbortSignal, quiet?: Parameters<typeof guard.run>[4]) {
    const result = await guard.run(stream, () => client.get<GraphList<T>>(path, params, signal), (e) => translateGraphError(e, `the page's ${stream}`, now), signal, quiet);
    if (!result.ok) return result;
    const { body, regainAccessMinutes } = result.value;
    if (typeof body !== 'object' || body === null || (body.data !== undefined && !Array.isArray(body.data))) {
      log.error({ stream, path }, 'Facebook sent a list without a data array; the stream resumes from its cursor on the next poll');
      return { ok: false as const };
    }
    // The usage header says the budget is spent: finish this page, then let the stream rest.
    if (regainAccessMinutes > 0) guard.pause(stream, now() + regainAccessMinutes * 60_000);
    return { ok: true as const, value: body };
  }

  function floorOf(cursor: string | undefined): number {
    const stored = cursor === undefined ? Number.NaN : Date.parse(cursor);
    return Number.isNaN(stored) ? now() - config.backfillHours * 3600_000 : stored;
  }

  async function* sweepFeed(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<SourceBatch> {
    const floor = floorOf(cursor);
    const postFloor = floor - postWindowMs;
    const holder = new LastBatchHolder<SourceBatch>();
    let newest = cursor === undefined ? undefined : floor;
    const seen = (t: number) => (newest = newest === undefined ? t : Math.max(newest, t));
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES && !signal.aborted; page++) {
      const response = await list<GraphPost>('feed', `${config.pageId}/feed`, { fields: POST_FIELDS, limit: String(pageSize.posts), ...(after && { after }) }, signal);
      if (!response.ok) return yield* flush(holder, undefined);
      const posts = response.value.data ?? [];
      const batch = emptyBatch('feed', posts.length);
      const withNewComments: GraphPost[] = [];
      for (const post of posts) {
        const created = parseGraphTime(post?.created_time);
        if (typeof post?.id !== 'string' || Number.isNaN(created)) {
          log.warn({ stream: 'feed', post: typeof post?.id === 'string' ? post.id : null }, 'Facebook post without id or time skipped');
          continue;
        }
        const updated = parseGraphTime(post.updated_time);
        if (Number.isNaN(updated) || updated >= floor) withNewComments.push(post);
        if (created < floor) continue;
        seen(created);
        if (post.from?.id === config.pageId) batch.ownPosts!.push({ platform: 'facebook', nativeId: post.id, createdAt: created, conversationId: post.id });
        else if (typeof post.message === 'string' && post.message.trim() !== '') batch.mentions.push(postMention(post, created));
      }
      yield* emit(holder, batch);
      for (const post of withNewComments) {
        const ok = yield* sweepComments(post, floor, seen, holder, signal);
        if (!ok) return yield* flush(holder, undefined);
      }
      const next = response.value.paging?.next;
      const nextAfter = response.value.paging?.cursors?.after;
      // Newest first: once a whole page is older than the window, the rest is too.
      const allOld = posts.length > 0 && posts.every((p) => parseGraphTime(p?.created_time) < postFloor);
      if (next === undefined || nextAfter === undefined || nextAfter === after || allOld) break;
      after = nextAfter;
    }
    yield* flush(holder, newest === undefined ? undefined : new Date(newest).toISOString());
  }

  /** The comments of one post, newest first, until they are older than the floor; false when a request failed. */
  async function* sweepComments(post: GraphPost, floor: number, seen: (t: number) => void, holder: LastBatchHolder<SourceBatch>, signal: AbortSignal): AsyncGenerator<SourceBatch, boolean> {
    const postId = post.id as string;
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES && !signal.aborted; page++) {
      const params = { filter: 'stream', order: 'reverse_chronological', fields: COMMENT_FIELDS, limit: String(pageSize.comments), ...(after && { after }) };
      const response = await list<GraphComment>('feed', `${postId}/comments`, params, signal);
      if (!response.ok) return false;
      const comments = response.value.data ?? [];
      const batch = emptyBatch('feed', comments.length);
      let reachedOld = false;
      for (const comment of comments) {
        const created = parseGraphTime(comment?.created_time);
        if (typeof comment?.id !== 'string' || Number.isNaN(created)) {
          log.warn({ stream: 'feed', comment: typeof comment?.id === 'string' ? comment.id : null }, 'Facebook comment without id or time skipped');
          continue;
        }
        if (created < floor) {
          reachedOld = true;
          continue;
        }
        seen(created);
        const inReplyToId = comment.parent?.id ?? postId;
        if (comment.from?.id === config.pageId) {
          batch.ownPosts!.push({ platform: 'facebook', nativeId: comment.id, createdAt: created, inReplyToId, conversationId: postId });
        } else if (typeof comment.message === 'string' && comment.message.trim() !== '') {
          batch.mentions.push(commentMention(comment, created, postId, inReplyToId, comment.parent?.message ?? post.message));
        }
      }
      yield* emit(holder, batch);
      const next = response.value.paging?.next;
      const nextAfter = response.value.paging?.cursors?.after;
      if (reachedOld || next === undefined || nextAfter === undefined || nextAfter === after) return true;
      after = nextAfter;
    }
    return !signal.aborted;
  }

  async function* sweepRatings(cursor: string | undefined, signal: AbortSignal): AsyncGenerator<SourceBatch> {
    const floor = floorOf(cursor);
    const holder = new LastBatchHolder<SourceBatch>();
    let newest = cursor === undefined ? undefined : floor;
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES && !signal.aborted; page++) {
      const response = await list<GraphRating>('ratings', `${config.pageId}/ratings`, { fields: RATING_FIELDS, limit: String(pageSize.posts), ...(after && { after }) }, signal, isDeprecatedInThisVersion);
      if (!response.ok) {
        if (response.error && isDeprecatedInThisVersion(response.error)) {
          ratingsUnavailable = true;
          log.info({ stream: 'ratings', graphUrl: config.graphUrl }, 'Facebook page recommendations are not served by this Graph API version (error 12 from v22 on); reading posts and comments only');
        }
        return yield* flush(holder, undefined);
      }
      const ratings = response.value.data ?? [];
      const batch = emptyBatch('ratings', ratings.length);
      let reachedOld = false;
      for (const rating of ratings) {
        const created = parseGraphTime(rating?.created_time);
        if (Number.isNaN(created)) continue;
        if (created < floor) {
          reachedOld = true;
          continue;
        }
        newest = newest === undefined ? created : Math.max(newest, created);
        batch.mentions.push(ratingMention(rating, created));
      }
      yield* emit(holder, batch);
      const next = response.value.paging?.next;
      const nextAfter = response.value.paging?.cursors?.after;
      if (reachedOld || next === undefined || nextAfter === undefined || nextAfter === after) break;
      after = nextAfter;
    }
    yield* flush(holder, newest === undefined ? undefined : new Date(newest).toISOString());
  }

  return {
    name: 'facebook',
    pausedUntil: guard.pausedUntil,
    async *poll(cursor, signal) {
      if (!signal.aborted && guard.ready('feed')) yield* sweepFeed(cursor('feed'), signal);
      if (!signal.aborted && !ratingsUnavailable && guard.ready('ratings')) yield* sweepRatings(cursor('ratings'), signal);
    },
  };
}

function emptyBatch(stream: FacebookStream, reads: number): SourceBatch {
  return { stream, mentions: [], ownPosts: [], reads };
}

function* emit(holder: LastBatchHolder<SourceBatch>, batch: SourceBatch): Generator<SourceBatch> {
  const previous = holder.push(batch);
  if (previous) yield tidy(previous);
}

function* flush(holder: LastBatchHolder<SourceBatch>, cursor: string | undefined): Generator<SourceBatch> {
  const last = holder.finish(cursor);
  if (last) yield tidy(last);
}

function tidy(batch: SourceBatch): SourceBatch {
  if (batch.ownPosts?.length === 0) delete batch.ownPosts;
  return batch;
}
