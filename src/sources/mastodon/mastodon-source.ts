import type { mastodon } from 'masto';
import type { MastodonConfig } from '../../config.js';
import type { Mention, OwnPost } from '../../domain/mention.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_REQUEST_POLICY, requestWithPolicy, type RequestOutcome, type RequestPolicy } from '../request-policy.js';
import type { Source, SourceBatch } from '../source.js';
import { htmlToText } from './html-to-text.js';
import { translateMastodonError } from './mastodon-client.js';

/** The streams this source reads; `mentions` keeps a notification id, `own` a status id. */
export type MastodonStream = 'mentions' | 'own';

/** Mastodon's default when the instance does not say (`configuration.statuses.max_characters`). */
export const MASTODON_DEFAULT_MAX_CHARACTERS = 500;

export interface MastodonSourceOptions {
  config: MastodonConfig;
  client: mastodon.rest.Client;
  log: Logger;
  now?: () => number;
  /** Items per request, 1–40 (Mastodon's maximum for notifications). Default 40. */
  pageSize?: number;
  policy?: RequestPolicy;
  /** A sweep reads at most this many pages. Default 50. */
  maxPages?: number;
  onRateLimited?: () => void;
}

type Page<T> = { items: T[]; next: string | undefined };

/**
 * Mention notifications (a reply to us is a mention too) and the account's own statuses, read with
 * the real `masto` client. Paging is ours, one request per page from the Link header's `next`:
 * masto's paginator would keep walking older pages (the `next` link is on the last page too and
 * drops `since_id`), and an error inside its `for await` ends it for good. A sweep reads newest-first
 * until it reaches the stored id (or the backfill window) or a page is empty without a next link.
 */
export function createMastodonSource(options: MastodonSourceOptions): Source & {
  readonly pausedUntil: ReadonlyMap<MastodonStream, number>;
  /** The instance's character limit for a status, once read (replies must fit it). */
  readonly maxCharacters: number | undefined;
} {
  const { config, client, log } = options;
  const now = options.now ?? Date.now;
  const pageSize = Math.max(1, Math.min(40, options.pageSize ?? 40));
  const policy = options.policy ?? DEFAULT_REQUEST_POLICY;
  const maxPages = options.maxPages ?? 50;
  const pausedUntil = new Map<MastodonStream, number>();
  let stopped = false;
  let account: mastodon.v1.CredentialAccount | undefined;
  let maxCharacters: number | undefined;

  async function request<T>(stream: string, what: string, signal: AbortSignal, call: () => Promise<T>): Promise<RequestOutcome<T>> {
    const outcome = await requestWithPolicy({ platform: 'Mastodon', stream, policy, log, now, signal, translate: (e) => translateMastodonError(e, what), onRateLimited: options.onRateLimited }, call);
    if (!outcome.ok && outcome.reason === 'auth') {
      stopped = true;
      log.error({ stream, err: outcome.error }, `${outcome.error!.message} Mastodon polling is stopped until restart.`);
    }
    if (!outcome.ok && outcome.reason === 'paused' && (stream === 'mentions' || stream === 'own')) pausedUntil.set(stream, outcome.until!);
    return outcome;
  }

  async function* sweep<T extends { id: string; createdAt: string }>(
    stream: MastodonStream,
    stored: string | undefined,
    fetchPage: (params: { maxId?: string; sinceId?: string }) => Promise<RequestOutcome<Page<T>>>,
    toBatch: (items: T[], signal: AbortSignal) => Promise<SourceBatch>,
    signal: AbortSignal,
  ): AsyncGenerator<SourceBatch> {
    const since = now() - config.backfillHours * 3600_000;
    let maxId: string | undefined;
    let newest: string | undefined;
    for (let page = 1; ; page++) {
      const outcome = await fetchPage({ ...(maxId !== undefined && { maxId }), ...(stored !== undefined && { sinceId: stored }) });
      if (!outcome.ok) return;
      const { items, next } = outcome.value;
      const fresh: T[] = [];
      let reachedFloor = false;
      for (const item of items) {
        const old = stored !== undefined ? compareIds(item.id, stored) <= 0 : Date.parse(item.createdAt) < since;
        if (old) {
          reachedFloor = true;
          continue;
        }
        fresh.push(item);
        if (newest === undefined || compareIds(item.id, newest) > 0) newest = item.id;
      }
      const nextMaxId = next === undefined ? undefined : new URL(next).searchParams.get('max_id') ?? undefined;
      // An empty page ends the sweep unless it still links on (a page whose items were all filtered out).
      const last = reachedFloor || nextMaxId === undefined || (items.length === 0 && nextMaxId === maxId) || page >= maxPages || signal.aborted;
      if (last && !reachedFloor && nextMaxId !== undefined && items.length > 0 && !signal.aborted) {
        log.warn({ stream, pages: page }, `Mastodon ${stream}: stopped after ${page} pages without reaching the last stored item; older ones are skipped`);
      }
      const batch = await toBatch(fresh, signal);
      batch.reads = items.length;
      if (last && newest !== undefined && !signal.aborted) batch.cursor = newest;
      yield batch;
      if (last) return;
      maxId = nextMaxId;
    }
  }

  /** The text of the statuses these reply to, one request each (replies to us are mostly to our own posts). */
  async function parentTexts(ids: string[], signal: AbortSignal): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    for (const id of new Set(ids)) {
      const outcome = await requestWithPolicy(
        { platform: 'Mastodon', stream: 'mentions', policy: { ...policy, retry: { ...policy.retry, attempts: 1 } }, log, now, signal, translate: (e) => translateMastodonError(e, 'a parent status') },
        () => client.v1.statuses.$select(id).fetch(undefined, { requestInit: { signal } }),
      );
      // A deleted parent (404) or any failure: the card just goes without it.
      if (outcome.ok) texts.set(id, statusText(outcome.value));
    }
    return texts;
  }

  function mentionsSweep(stored: string | undefined, me: mastodon.v1.CredentialAccount, signal: AbortSignal) {
    return sweep<mastodon.v1.Notification>(
      'mentions',
      stored,
      async (params) => {
        // A paginator, awaited: its first page only (list calls take no per-request signal; the client's stop signal applies).
        const outcome = await request('mentions', 'the mention notifications', signal, () =>
          Promise.resolve(client.v1.notifications.list.$raw({ types: ['mention'], limit: pageSize, ...params })));
        return outcome.ok ? { ok: true, value: pageOf(outcome.value) } : outcome;
      },
      async (items, sig) => {
        const statuses = items.map((n) => ('status' in n ? n.status : undefined)).filter((s): s is mastodon.v1.Status => s != null && s.account?.id !== me.id);
        const parentIds = statuses.map((s) => s.inReplyToId).filter((id): id is string => typeof id === 'string');
        const parents = parentIds.length > 0 ? await parentTexts(parentIds, sig) : new Map<string, string>();
        return { stream: 'mentions', mentions: statuses.map((s) => toMention(s, parents)) };
      },
      signal,
    );
  }

  function ownSweep(stored: string | undefined, me: mastodon.v1.CredentialAccount, signal: AbortSignal) {
    return sweep<mastodon.v1.Status>(
      'own',
      stored,
      async (params) => {
        const outcome = await request('own', 'the account\'s own statuses', signal, () =>
          Promise.resolve(client.v1.accounts.$select(me.id).statuses.list.$raw({ limit: pageSize, excludeReblogs: true, ...params })));
        return outcome.ok ? { ok: true, value: pageOf(outcome.value) } : outcome;
      },
      async (items) => {
        const ownPosts: OwnPost[] = items.filter((s) => s.reblog == null).map((s) => ({
          platform: 'mastodon',
          nativeId: s.id,
          createdAt: Date.parse(s.createdAt),
          ...(typeof s.inReplyToId === 'string' && { inReplyToId: s.inReplyToId }),
        }));
        const batch: SourceBatch = { stream: 'own', mentions: [] };
        if (ownPosts.length > 0) batch.ownPosts = ownPosts;
        return batch;
      },
      signal,
    );
  }

  async function setUp(signal: AbortSignal): Promise<mastodon.v1.CredentialAccount | undefined> {
    if (account) return account;
    const outcome = await request('account', 'the account (verify_credentials)', signal, () => client.v1.accounts.verifyCredentials(undefined, { requestInit: { signal } }));
    if (!outcome.ok) return undefined;
    account = outcome.value;
    const instance = await requestWithPolicy(
      { platform: 'Mastodon', stream: 'instance', policy, log, now, signal, translate: (e) => translateMastodonError(e, 'the instance') },
      () => client.v2.instance.fetch(undefined, { requestInit: { signal } }),
    );
    maxCharacters = instance.ok ? instance.value.configuration?.statuses?.maxCharacters ?? MASTODON_DEFAULT_MAX_CHARACTERS : MASTODON_DEFAULT_MAX_CHARACTERS;
    log.info({ account: account.acct, id: account.id, maxCharacters }, 'Mastodon account ready');
    return account;
  }

  return {
    name: 'mastodon',
    pausedUntil,
    get maxCharacters() {
      return maxCharacters;
    },
    async *poll(cursor, signal) {
      if (stopped) return;
      const me = await setUp(signal);
      if (!me) return;
      for (const stream of ['mentions', 'own'] as const) {
        if (signal.aborted || stopped) return;
        if ((pausedUntil.get(stream) ?? 0) > now()) continue;
        yield* stream === 'mentions' ? mentionsSweep(cursor(stream), me, signal) : ownSweep(cursor(stream), me, signal);
      }
    },
  };
}

/** Mastodon ids are decimal strings of growing length: compare as numbers. */
function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function pageOf<T>(response: { headers: Headers; data: T[] | undefined }): Page<T> {
  const link = response.headers.get('link') ?? '';
  const next = link.split(',').map((part) => part.match(/<([^>]+)>;\s*rel="next"/)?.[1]).find((u) => u !== undefined);
  // A 200 with an HTML body comes back as undefined data: treat it as no items, no next.
  return Array.isArray(response.data) ? { items: response.data, next } : { items: [], next: undefined };
}

function statusText(status: mastodon.v1.Status): string {
  const body = htmlToText(status.content ?? '');
  return status.spoilerText ? `CW: ${status.spoilerText}\n${body}` : body;
}

function toMention(status: mastodon.v1.Status, parents: ReadonlyMap<string, string>): Mention {
  const mention: Mention = {
    platform: 'mastodon',
    nativeId: status.id,
    author: { id: status.account.id, handle: status.account.acct },
    text: statusText(status),
    createdAt: Date.parse(status.createdAt),
    url: status.url ?? status.uri,
    stream: 'mentions',
  };
  if (status.account.displayName) mention.author.name = status.account.displayName;
  if (typeof status.account.followersCount === 'number') mention.author.followers = status.account.followersCount;
  if (typeof status.inReplyToId === 'string') {
    mention.inReplyToId = status.inReplyToId;
    const parent = parents.get(status.inReplyToId);
    if (parent !== undefined) mention.inReplyToText = parent;
  }
  return mention;
}
