import type { TweetV2, TweetV2PaginableTimelineResult, TwitterApi, UserV2 } from 'twitter-api-v2';
import type { XConfig } from '../../config.js';
import type { Mention, OwnPost } from '../../domain/mention.js';
import type { Logger } from '../../logger.js';
import { TriageError } from '../../util/errors.js';
import { sleep as realSleep } from '../../util/sleep.js';
import { DEFAULT_REQUEST_POLICY, requestWithPolicy, type RequestPolicy, type Sleep } from '../request-policy.js';
import type { Source, SourceBatch } from '../source.js';
import { resolveXUserId, translateXError } from './x-client.js';

/** The streams this source reads; each keeps its own `since_id` cursor. */
export type XStream = 'mentions' | 'search' | 'own';

export interface XSourceOptions {
  config: XConfig;
  client: TwitterApi;
  log: Logger;
  now?: () => number;
  /** Posts per request, 5–100. Default 100 (X's maximum). */
  pageSize?: number;
  /** Retries, and how long a 429 may be waited out before the stream pauses (the shared default). */
  policy?: RequestPolicy;
  sleep?: Sleep;
  /** Posts read this month across streams, for X_MONTHLY_READ_BUDGET. */
  readsThisMonth?: () => number | Promise<number>;
  /** Told of every 429 X answers. */
  onRateLimited?: () => void;
}

const TWEET_FIELDS = ['created_at', 'author_id', 'conversation_id', 'in_reply_to_user_id', 'referenced_tweets', 'lang'];
const USER_FIELDS = ['username', 'name', 'public_metrics', 'verified'];
const SLOW_POLL_MS = 3600_000;

/**
 * Mentions of the account, optional keyword search, and the account's own posts, read with the real
 * twitter-api-v2 client. Each page is yielded as a batch; only the last page of a sweep carries the
 * new `since_id`, so the cursor moves only once everything newer than it is stored.
 */
export function createXMentionSource(options: XSourceOptions): Source & { readonly pausedUntil: ReadonlyMap<XStream, number> } {
  const { config, client, log } = options;
  const now = options.now ?? Date.now;
  const pageSize = Math.max(5, Math.min(100, options.pageSize ?? 100));
  const policy = options.policy ?? DEFAULT_REQUEST_POLICY;
  const sleep = options.sleep ?? realSleep;
  const pausedUntil = new Map<XStream, number>();
  const disabled = new Set<XStream>();
  const lastPolled = new Map<XStream, number>();
  let account: { id: string; username: string | undefined } | undefined;
  let budgetNoticeGiven = false;

  const streams: XStream[] = ['mentions', ...(config.searchQuery ? (['search'] as const) : []), 'own'];

  function path(stream: XStream, userId: string): string {
    return stream === 'mentions' ? `users/${userId}/mentions` : stream === 'own' ? `users/${userId}/tweets` : 'tweets/search/recent';
  }

  function query(stream: XStream, since: string | undefined, token: string | undefined, username: string | undefined): Record<string, string> {
    const q: Record<string, string> = {
      max_results: String(pageSize),
      'tweet.fields': TWEET_FIELDS.join(','),
      'user.fields': USER_FIELDS.join(','),
      expansions: 'author_id,referenced_tweets.id',
    };
    if (stream === 'search') q.query = username ? `(${config.searchQuery}) -from:${username} -is:retweet` : `(${config.searchQuery}) -is:retweet`;
    if (since !== undefined) q.since_id = since;
    else q.start_time = new Date(now() - config.backfillHours * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (token !== undefined) q.pagination_token = token;
    return q;
  }

  /** One request under the shared policy; undefined when the stream must stop for this poll. */
  async function request(stream: XStream, url: string, params: Record<string, string>, signal: AbortSignal) {
    const outcome = await requestWithPolicy(
      { platform: 'X', stream, policy, log, now, signal, translate: (e) => translateXError(e, `the ${stream} stream`), onRateLimited: options.onRateLimited, sleep },
      () => client.v2.get<TweetV2PaginableTimelineResult>(url, params, { fullResponse: true }),
    );
    if (outcome.ok) return outcome.value;
    if (outcome.reason === 'auth') {
      disabled.add(stream);
      log.error({ stream, err: outcome.error }, `${outcome.error!.message} The ${stream} stream is stopped until restart.`);
    }
    if (outcome.reason === 'paused') pausedUntil.set(stream, outcome.until!);
    return undefined;
  }

  async function overBudget(stream: XStream): Promise<boolean> {
    const budget = config.monthlyReadBudget;
    if (budget === undefined || options.readsThisMonth === undefined) return false;
    const reads = await options.readsThisMonth();
    if (reads < budget) {
      budgetNoticeGiven = false;
      return false;
    }
    if (!budgetNoticeGiven) {
      log.warn({ reads, budget }, `X_MONTHLY_READ_BUDGET reached (${reads} of ${budget} posts this month): polling each stream hourly until the month ends`);
      budgetNoticeGiven = true;
    }
    return now() - (lastPolled.get(stream) ?? 0) < SLOW_POLL_MS;
  }

  async function* sweep(stream: XStream, since: string | undefined, userId: string, signal: AbortSignal): AsyncGenerator<SourceBatch> {
    let token: string | undefined;
    let newest: string | undefined;
    do {
      const response = await request(stream, path(stream, userId), query(stream, since, token, account?.username), signal);
      if (!response) return;
      const body = response.data ?? ({} as TweetV2PaginableTimelineResult);
      const meta = body.meta ?? { result_count: 0 };
      newest ??= meta.newest_id;
      token = meta.next_token;
      const batch = toBatch(stream, body, userId);
      batch.reads = (body.data?.length ?? 0) + (body.includes?.tweets?.length ?? 0);
      if (token === undefined && newest !== undefined) batch.cursor = newest;
      yield batch;
      const limit = response.rateLimit;
      if (token !== undefined && limit && limit.remaining === 0) {
        const wait = limit.reset * 1000 - now() + 1000;
        if (wait > policy.maxInlineWaitMs) {
          pausedUntil.set(stream, limit.reset * 1000);
          log.warn({ stream, until: new Date(limit.reset * 1000).toISOString() }, 'X rate limit used up mid-sweep; resuming after the reset');
          return;
        }
        await sleep(wait, signal);
      }
    } while (token !== undefined && !signal.aborted);
  }

  function toBatch(stream: XStream, body: TweetV2PaginableTimelineResult, userId: string): SourceBatch {
    const users = new Map<string, UserV2>();
    for (const user of body.includes?.users ?? []) users.set(user.id, user);
    const referenced = new Map<string, TweetV2>();
    for (const tweet of body.includes?.tweets ?? []) referenced.set(tweet.id, tweet);
    const mentions: Mention[] = [];
    const ownPosts: OwnPost[] = [];
    for (const tweet of body.data ?? []) {
      if (typeof tweet?.id !== 'string' || typeof tweet.text !== 'string') {
        log.warn({ stream, tweet: typeof tweet?.id === 'string' ? tweet.id : null }, 'X post without id or text skipped');
        continue;
      }
      const repliedTo = tweet.referenced_tweets?.find((r) => r.type === 'replied_to')?.id;
      const createdAt = tweet.created_at ? Date.parse(tweet.created_at) : now();
      if (stream === 'own' || tweet.author_id === userId) {
        ownPosts.push({
          platform: 'x',
          nativeId: tweet.id,
          createdAt,
          ...(repliedTo !== undefined && { inReplyToId: repliedTo }),
          ...(tweet.conversation_id !== undefined && { conversationId: tweet.conversation_id }),
        });
        continue;
      }
      mentions.push(toMention(stream, tweet, users.get(tweet.author_id ?? ''), repliedTo, referenced, createdAt));
    }
    const batch: SourceBatch = { stream, mentions };
    if (ownPosts.length > 0) batch.ownPosts = ownPosts;
    return batch;
  }

  return {
    name: 'x',
    pausedUntil,
    async *poll(cursor, signal) {
      if (!account) {
        try {
          account = await resolveXUserId(client, config);
        } catch (error) {
          const e = error instanceof TriageError ? error : translateXError(error, 'the account');
          log.error({ err: e }, `cannot resolve the X account: ${e.message}`);
          return;
        }
      }
      for (const stream of streams) {
        if (signal.aborted) return;
        if (disabled.has(stream)) continue;
        if ((pausedUntil.get(stream) ?? 0) > now()) continue;
        if (await overBudget(stream)) continue;
        lastPolled.set(stream, now());
        yield* sweep(stream, cursor(stream), account.id, signal);
      }
    },
  };
}

function toMention(stream: XStream, tweet: TweetV2, author: UserV2 | undefined, repliedTo: string | undefined, referenced: ReadonlyMap<string, TweetV2>, createdAt: number): Mention {
  const authorId = tweet.author_id ?? 'unknown';
  const handle = author?.username ?? authorId;
  const mention: Mention = {
    platform: 'x',
    nativeId: tweet.id,
    author: { id: authorId, handle },
    text: tweet.text,
    createdAt,
    url: author ? `https://x.com/${author.username}/status/${tweet.id}` : `https://x.com/i/web/status/${tweet.id}`,
    stream,
  };
  if (author?.name) mention.author.name = author.name;
  const followers = author?.public_metrics?.followers_count;
  if (typeof followers === 'number') mention.author.followers = followers;
  if (typeof author?.verified === 'boolean') mention.author.verified = author.verified;
  if (tweet.conversation_id) mention.conversationId = tweet.conversation_id;
  if (repliedTo !== undefined) {
    mention.inReplyToId = repliedTo;
    const parent = referenced.get(repliedTo);
    if (parent?.text) mention.inReplyToText = parent.text;
  }
  return mention;
}
