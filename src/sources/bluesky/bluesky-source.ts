import type { AppBskyFeedDefs, AppBskyNotificationListNotifications, AtpAgent } from '@atproto/api';
import type { BlueskyConfig } from '../../config.js';
import type { Mention, OwnPost } from '../../domain/mention.js';
import type { Logger } from '../../logger.js';
import type { TriageError } from '../../util/errors.js';
import { DEFAULT_REQUEST_POLICY, requestWithPolicy, type RequestOutcome, type RequestPolicy } from '../request-policy.js';
import type { SessionStore } from '../session-store.js';
import type { Source, SourceBatch } from '../source.js';
import { ensureBlueskySession, translateBlueskyError } from './bluesky-client.js';

/** The streams this source reads, each with its own cursor: the newest position (indexedAt, uri) stored. */
export type BlueskyStream = 'mentions' | 'own' | 'search';

/**
 * Notification reasons that are someone talking to or about us. An allow-list: Bluesky keeps adding
 * reasons (like-via-repost, subscribed-post, contact-match, ...) that are not conversations.
 * A reply that also @mentions us arrives once, as `mention`.
 */
export const BLUESKY_REASONS = ['mention', 'reply', 'quote'] as const;

export interface BlueskySourceOptions {
  config: BlueskyConfig;
  agent: AtpAgent;
  sessions: SessionStore;
  log: Logger;
  now?: () => number;
  /** Items per request, 1–100. Default 100. */
  pageSize?: number;
  policy?: RequestPolicy;
  /** A sweep reads at most this many pages (a long run of filtered-out likes shows as empty pages). Default 50. */
  maxPages?: number;
  onRateLimited?: () => void;
}

interface Position {
  at: number;
  id: string;
}

const SEARCH_MAX_PAGES = 5;

/**
 * Mentions, replies and quotes from the account's notifications, optional keyword search, and the
 * account's own posts from its author feed, read with the official `@atproto/api` agent. Every list
 * pages backwards from the newest: a sweep reads until it reaches the stored position (or the
 * backfill window on the first poll) or no cursor comes back, and only its last batch carries the
 * new cursor.
 */
export function createBlueskySource(options: BlueskySourceOptions): Source & { readonly pausedUntil: ReadonlyMap<BlueskyStream | 'login', number> } {
  const { config, agent, sessions, log } = options;
  const now = options.now ?? Date.now;
  const pageSize = Math.max(1, Math.min(100, options.pageSize ?? 100));
  const policy = options.policy ?? DEFAULT_REQUEST_POLICY;
  const maxPages = options.maxPages ?? 50;
  const pausedUntil = new Map<BlueskyStream | 'login', number>();
  let stopped = false;
  let lastSearchAt = Number.NEGATIVE_INFINITY;
  const streams: BlueskyStream[] = ['mentions', ...(config.searchQuery ? (['search'] as const) : []), 'own'];

  /** A rotated or new token is committed before the next request goes; a failure to save is not the platform's. */
  async function sessionSaved(): Promise<void> {
    await sessions.settled().catch((error: unknown) => log.warn({ err: error }, 'could not save the Bluesky session; after a restart the bot logs in again'));
  }

  function stop(error: TriageError): void {
    stopped = true;
    log.error({ err: error }, `${error.message} Bluesky polling is stopped until restart.`);
  }

  /** One request under the policy; an expired session that the agent could not refresh gets one new login. */
  async function request<T>(stream: BlueskyStream, what: string, call: () => Promise<T>, signal: AbortSignal): Promise<RequestOutcome<T>> {
    const ctx = { platform: 'Bluesky', stream, policy, log, now, signal, translate: (e: unknown) => translateBlueskyError(e, what), onRateLimited: options.onRateLimited };
    let outcome = await requestWithPolicy(ctx, call);
    await sessionSaved();
    if (!outcome.ok && outcome.reason === 'auth' && !agent.hasSession) {
      log.warn({ stream }, 'Bluesky session could not be refreshed; logging in again');
      if (!(await login(signal))) return { ok: false, reason: 'failed' };
      outcome = await requestWithPolicy(ctx, call);
      await sessionSaved();
    }
    if (!outcome.ok && outcome.reason === 'auth') stop(outcome.error!);
    if (!outcome.ok && outcome.reason === 'paused') pausedUntil.set(stream, outcome.until!);
    return outcome;
  }

  async function login(signal: AbortSignal): Promise<boolean> {
    const outcome = await requestWithPolicy(
      { platform: 'Bluesky', stream: 'login', policy, log, now, signal, translate: (e) => translateBlueskyError(e, 'logging in'), onRateLimited: options.onRateLimited },
      () => ensureBlueskySession(agent, config, sessions),
    );
    await sessionSaved();
    if (outcome.ok) {
      if (outcome.value !== 'kept') log.info({ how: outcome.value, did: agent.session?.did }, 'Bluesky session ready');
      return true;
    }
    if (outcome.reason === 'auth') stop(outcome.error!);
    if (outcome.reason === 'paused') pausedUntil.set('login', outcome.until!);
    return false;
  }

  /** Reads one stream newest-first down to `floor`; yields a batch per page, the cursor on the last. */
  async function* sweep<T>(
    stream: BlueskyStream,
    floor: Position,
    pages: number,
    fetchPage: (cursor: string | undefined) => Promise<RequestOutcome<{ items: T[]; cursor?: string | undefined }>>,
    position: (item: T) => Position,
    toBatch: (items: T[], signal: AbortSignal) => Promise<SourceBatch>,
    signal: AbortSignal,
  ): AsyncGenerator<SourceBatch> {
    let pageCursor: string | undefined;
    let newest: Position | undefined;
    for (let page = 1; ; page++) {
      const outcome = await fetchPage(pageCursor);
      if (!outcome.ok) return;
      const fresh: T[] = [];
      let reachedFloor = false;
      for (const item of outcome.value.items) {
        const at = position(item);
        if (compare(at, floor) <= 0) {
          reachedFloor = true;
          continue;
        }
        fresh.push(item);
        if (!newest || compare(at, newest) > 0) newest = at;
      }
      pageCursor = outcome.value.cursor;
      const last = reachedFloor || pageCursor === undefined || page >= pages || signal.aborted;
      if (last && !reachedFloor && pageCursor !== undefined && !signal.aborted) {
        log.warn({ stream, pages }, `Bluesky ${stream}: stopped after ${pages} pages without reaching the last stored item; older ones are skipped`);
      }
      const batch = await toBatch(fresh, signal);
      batch.reads = outcome.value.items.length;
      if (last && newest && !signal.aborted) batch.cursor = formatCursor(newest);
      yield batch;
      if (last) return;
    }
  }

  function floorOf(stored: string | undefined): Position {
    return parseCursor(stored) ?? { at: now() - config.backfillHours * 3600_000, id: '' };
  }

  /** Parent texts for the replies in a page, one getPosts call per 25; missing (deleted) parents are left out. */
  async function parentTexts(uris: string[], signal: AbortSignal): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    const unique = [...new Set(uris)];
    for (let i = 0; i < unique.length; i += 25) {
      const outcome = await requestWithPolicy(
        { platform: 'Bluesky', stream: 'mentions', policy, log, now, signal, translate: (e) => translateBlueskyError(e, 'the parent posts') },
        () => agent.app.bsky.feed.getPosts({ uris: unique.slice(i, i + 25) }, { signal }),
      );
      if (!outcome.ok) break;
      for (const post of outcome.value.data.posts) {
        const text = recordText(post.record);
        if (text !== undefined) texts.set(post.uri, text);
      }
    }
    return texts;
  }

  function mentionsSweep(stored: string | undefined, signal: AbortSignal) {
    type N = AppBskyNotificationListNotifications.Notification;
    return sweep<N>(
      'mentions',
      floorOf(stored),
      maxPages,
      async (cursor) => {
        const outcome = await request('mentions', 'the notifications', () => agent.app.bsky.notification.listNotifications({ limit: pageSize, reasons: [...BLUESKY_REASONS], ...(cursor !== undefined && { cursor }) }, { signal }), signal);
        // The server applies `reasons` after cutting the page; filter again in case one does not.
        return outcome.ok ? { ok: true, value: { items: outcome.value.data.notifications.filter((n) => (BLUESKY_REASONS as readonly string[]).includes(n.reason)), cursor: outcome.value.data.cursor } } : outcome;
      },
      (n) => ({ at: Date.parse(n.indexedAt), id: n.uri }),
      async (items, sig) => {
        const parentUris = items.map((n) => replyOf(n.record)?.parent).filter((u): u is string => u !== undefined);
        const texts = parentUris.length > 0 ? await parentTexts(parentUris, sig) : new Map<string, string>();
        const mentions: Mention[] = [];
        for (const n of items) {
          const mention = toMention('mentions', n.uri, n.author, n.record, n.indexedAt, texts);
          if (mention) mentions.push(mention);
          else log.warn({ stream: 'mentions', uri: n.uri }, 'Bluesky notification without post text skipped');
        }
        return { stream: 'mentions', mentions };
      },
      signal,
    );
  }

  function ownSweep(stored: string | undefined, did: string, signal: AbortSignal) {
    return sweep<AppBskyFeedDefs.FeedViewPost>(
      'own',
      floorOf(stored),
      maxPages,
      async (cursor) => {
        const outcome = await request('own', 'the account\'s own posts', () => agent.app.bsky.feed.getAuthorFeed({ actor: did, filter: 'posts_with_replies', limit: pageSize, ...(cursor !== undefined && { cursor }) }, { signal }), signal);
        return outcome.ok ? { ok: true, value: { items: outcome.value.data.feed, cursor: outcome.value.data.cursor } } : outcome;
      },
      (item) => ({ at: Date.parse(item.post.indexedAt), id: item.post.uri }),
      async (items) => {
        const ownPosts: OwnPost[] = [];
        for (const { post, reason } of items) {
          // Reposts and pins carry a reason; only what we wrote counts.
          if (reason !== undefined || post.author.did !== did) continue;
          const reply = replyOf(post.record);
          ownPosts.push({
            platform: 'bluesky',
            nativeId: post.uri,
            createdAt: postedAt(post.record, post.indexedAt),
            ...(reply?.parent !== undefined && { inReplyToId: reply.parent }),
            conversationId: reply?.root ?? post.uri,
          });
        }
        const batch: SourceBatch = { stream: 'own', mentions: [] };
        if (ownPosts.length > 0) batch.ownPosts = ownPosts;
        return batch;
      },
      signal,
    );
  }

  function searchSweep(stored: string | undefined, did: string, signal: AbortSignal) {
    const floor = floorOf(stored);
    return sweep<AppBskyFeedDefs.PostView>(
      'search',
      floor,
      SEARCH_MAX_PAGES,
      async (cursor) => {
        const params = { q: config.searchQuery as string, sort: 'latest', limit: pageSize, since: new Date(floor.at).toISOString(), ...(cursor !== undefined && { cursor }) };
        const outcome = await request('search', 'the keyword search', () => agent.app.bsky.feed.searchPosts(params, { signal }), signal);
        return outcome.ok ? { ok: true, value: { items: outcome.value.data.posts, cursor: outcome.value.data.cursor } } : outcome;
      },
      (post) => ({ at: Date.parse(post.indexedAt), id: post.uri }),
      async (items, sig) => {
        const theirs = items.filter((post) => post.author.did !== did);
        const parentUris = theirs.map((p) => replyOf(p.record)?.parent).filter((u): u is string => u !== undefined);
        const texts = parentUris.length > 0 ? await parentTexts(parentUris, sig) : new Map<string, string>();
        const mentions = theirs.map((post) => toMention('search', post.uri, post.author, post.record, post.indexedAt, texts)).filter((m): m is Mention => m !== undefined);
        return { stream: 'search', mentions };
      },
      signal,
    );
  }

  return {
    name: 'bluesky',
    pausedUntil,
    async *poll(cursor, signal) {
      if (stopped || (pausedUntil.get('login') ?? 0) > now()) return;
      if (!(await login(signal))) return;
      const did = agent.session?.did;
      if (did === undefined) return;
      for (const stream of streams) {
        if (signal.aborted || stopped) return;
        if ((pausedUntil.get(stream) ?? 0) > now()) continue;
        if (stream === 'search') {
          // Search is not meant for bulk use: at most once per BLUESKY_SEARCH_INTERVAL_MINUTES.
          if (now() - lastSearchAt < config.searchIntervalMinutes * 60_000) continue;
          lastSearchAt = now();
          yield* searchSweep(cursor(stream), did, signal);
        } else if (stream === 'mentions') {
          yield* mentionsSweep(cursor(stream), signal);
        } else {
          yield* ownSweep(cursor(stream), did, signal);
        }
      }
    },
  };
}

function compare(a: Position, b: Position): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** "2026-12-01T10:00:00.000Z at://did:plc:.../app.bsky.feed.post/3k..." */
function formatCursor(position: Position): string {
  return `${new Date(position.at).toISOString()} ${position.id}`;
}

function parseCursor(value: string | undefined): Position | undefined {
  if (value === undefined) return undefined;
  const [time, id = ''] = value.split(' ', 2);
  const at = Date.parse(time ?? '');
  return Number.isFinite(at) ? { at, id } : undefined;
}

interface PostRecordShape {
  text?: unknown;
  createdAt?: unknown;
  reply?: { root?: { uri?: unknown }; parent?: { uri?: unknown } };
}

function recordText(record: unknown): string | undefined {
  const text = (record as PostRecordShape | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

function replyOf(record: unknown): { root: string | undefined; parent: string | undefined } | undefined {
  const reply = (record as PostRecordShape | undefined)?.reply;
  if (!reply) return undefined;
  const root = typeof reply.root?.uri === 'string' ? reply.root.uri : undefined;
  const parent = typeof reply.parent?.uri === 'string' ? reply.parent.uri : undefined;
  return root === undefined && parent === undefined ? undefined : { root, parent };
}

/**
 * The author's declared `createdAt` starts the SLA clock, but never later than when Bluesky indexed
 * the post (a clock set wrong, or a post dated in the future, must not hide a complaint).
 */
function postedAt(record: unknown, indexedAt: string): number {
  const indexed = Date.parse(indexedAt);
  const declared = (record as PostRecordShape | undefined)?.createdAt;
  const created = typeof declared === 'string' ? Date.parse(declared) : Number.NaN;
  return Number.isFinite(created) && created <= indexed ? created : indexed;
}

/** "https://bsky.app/profile/pat.bsky.social/post/3kabc" for at://did/app.bsky.feed.post/3kabc. */
export function blueskyPostUrl(uri: string, handle: string): string | undefined {
  const m = uri.match(/^at:\/\/[^/]+\/app\.bsky\.feed\.post\/([^/?#]+)$/);
  return m ? `https://bsky.app/profile/${handle}/post/${m[1]}` : undefined;
}

function toMention(
  stream: BlueskyStream,
  uri: string,
  author: { did: string; handle: string; displayName?: string | undefined },
  record: unknown,
  indexedAt: string,
  parents: ReadonlyMap<string, string>,
): Mention | undefined {
  const text = recordText(record);
  if (text === undefined) return undefined;
  const reply = replyOf(record);
  const mention: Mention = {
    platform: 'bluesky',
    nativeId: uri,
    author: { id: author.did, handle: author.handle },
    text,
    createdAt: postedAt(record, indexedAt),
    conversationId: reply?.root ?? uri,
    stream,
  };
  if (author.displayName) mention.author.name = author.displayName;
  const url = blueskyPostUrl(uri, author.handle);
  if (url !== undefined) mention.url = url;
  if (reply?.parent !== undefined) {
    mention.inReplyToId = reply.parent;
    const parentText = parents.get(reply.parent);
    if (parentText !== undefined) mention.inReplyToText = parentText;
  }
  return mention;
}
