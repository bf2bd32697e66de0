import { createHash } from 'node:crypto';
import type { GoogleConfig } from '../../config.js';
import type { Mention, OwnPost } from '../../domain/mention.js';
import type { Logger } from '../../logger.js';
import type { TriageError } from '../../util/errors.js';
import type { Source, SourceBatch } from '../source.js';
import { createStreamGuard, LastBatchHolder, type RequestPolicy, type Sleep } from '../request-policy.js';

/** A review as the v4 `accounts.locations.reviews.list` returns it (empty fields are left out). */
export interface GoogleReview {
  name?: string;
  reviewId?: string;
  reviewer?: { displayName?: string; profilePhotoUrl?: string; isAnonymous?: boolean };
  starRating?: 'STAR_RATING_UNSPECIFIED' | 'ONE' | 'TWO' | 'THREE' | 'FOUR' | 'FIVE';
  /** Absent for a star-only review. */
  comment?: string;
  createTime?: string;
  updateTime?: string;
  reviewReply?: { comment?: string; updateTime?: string };
}

export interface ReviewsPage {
  reviews?: GoogleReview[];
  averageRating?: number;
  totalReviewCount?: number;
  nextPageToken?: string;
}

/** The one call the source makes, per location: a page of reviews, newest update first. */
export interface GoogleReviewsClient {
  listReviews(locationId: string, query: { pageSize: number; pageToken?: string }, signal: AbortSignal): Promise<ReviewsPage>;
  /** Whether Google has answered any request yet (a 429 before that may mean "not approved"). */
  readonly answeredBefore: boolean;
}

export interface GoogleSourceOptions {
  config: GoogleConfig;
  client: GoogleReviewsClient;
  /** Google failures as ours (see `translateGoogleError`); given so this file needs no google-auth-library. */
  translate: (error: unknown, what: string) => TriageError;
  isCredentialFailure?: (error: TriageError) => boolean;
  log: Logger;
  now?: () => number;
  /** Reviews per request, 1–50. Default 50 (the API's maximum). */
  pageSize?: number;
  policy?: RequestPolicy;
  /**
   * Reviews updated this long before the cursor are read again for our replies (default 7 days):
   * a reply does not have to move the review's `updateTime`, so a reply written after the review
   * was stored is found only by looking again.
   */
  replyLookbackMs?: number;
  sleep?: Sleep;
  onRateLimited?: () => void;
}

const STARS: Record<string, number> = { ONE: 1, TWO: 2, THREE: 3, FOUR: 4, FIVE: 5 };
/** An update this close to creation (or to our reply) is not an edit by the reviewer. */
const EDIT_SLACK_MS = 60_000;
const MAX_PAGES = 500;

/**
 * Google Business Profile reviews of each configured location (one stream per location, cursor =
 * the newest `updateTime` stored). A review is a mention whose text starts with its stars
 * (`★★☆☆☆`), so cards show them and the classifier reads them; our `reviewReply` is its first
 * response, at the reply's `updateTime`.
 *
 * Edits: each distinct content of a review (stars + text) is its own mention version, keyed
 * `reviewId#hash`. A reviewer who edits gets a new alert, classified on the new text and marked
 * "(edited)"; the earlier version's alert stays as it was. Reading the same content again (another
 * poll, a reply that moved `updateTime`) finds the same key: nothing is stored or carded twice.
 */
export function createGoogleReviewsSource(options: GoogleSourceOptions): Source & { readonly pausedUntil: ReadonlyMap<string, number> } {
  const { config, client, log } = options;
  const now = options.now ?? Date.now;
  const pageSize = Math.max(1, Math.min(50, options.pageSize ?? 50));
  const replyLookbackMs = options.replyLookbackMs ?? 7 * 86_400_000;
  const guard = createStreamGuard({
    platform: 'Google',
    log,
    now,
    policy: options.policy,
    sleep: options.sleep,
    onRateLimited: options.onRateLimited,
    isCredentialFailure: options.isCredentialFailure,
  });

  async function* sweep(locationId: string, cursor: string | undefined, signal: AbortSignal): AsyncGenerator<SourceBatch> {
    const stream = streamOf(locationId);
    const stored = cursor === undefined ? Number.NaN : Date.parse(cursor);
    const hasCursor = !Number.isNaN(stored);
    // New: updated after the cursor (or within the backfill). Replies: looked for a while further back.
    const newAfter = hasCursor ? stored : now() - config.backfillHours * 3600_000;
    const repliesAfter = hasCursor ? stored - replyLookbackMs : newAfter;
    const holder = new LastBatchHolder<SourceBatch>();
    let newest = hasCursor ? stored : undefined;
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES && !signal.aborted; page++) {
      const what = `the reviews of location ${locationId}`;
      const result = await guard.run(stream, () => client.listReviews(locationId, { pageSize, ...(pageToken !== undefined && { pageToken }) }, signal), (e) => options.translate(e, what), signal);
      if (!result.ok) {
        const last = holder.finish(undefined);
        if (last) yield last;
        return;
      }
      const body = result.value;
      const reviews = body.reviews ?? [];
      const batch: SourceBatch = { stream, mentions: [], reads: reviews.length };
      const ownPosts: OwnPost[] = [];
      let reachedOld = false;
      for (const review of reviews) {
        const updated = Date.parse(review?.updateTime ?? '');
        if (typeof review?.reviewId !== 'string' || Number.isNaN(updated)) {
          log.warn({ stream, review: typeof review?.reviewId === 'string' ? review.reviewId : null }, 'Google review without id or update time skipped');
          continue;
        }
        if (updated < repliesAfter) {
          reachedOld = true;
          continue;
        }
        const version = reviewVersionOf(review);
        const reply = replyOf(review, version, updated);
        if (reply) ownPosts.push(reply);
        if (hasCursor ? updated <= newAfter : updated < newAfter) continue;
        newest = newest === undefined ? updated : Math.max(newest, updated);
        batch.mentions.push(toMention(review, version, updated, stream));
      }
      if (ownPosts.length > 0) batch.ownPosts = ownPosts;
      log.debug({ stream, reviews: reviews.length, averageRating: body.averageRating, totalReviewCount: body.totalReviewCount }, 'Google reviews page read');
      const previous = holder.push(batch);
      if (previous) yield previous;
      pageToken = typeof body.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
      // Newest update first: once a page reaches past the reply lookback, the rest is older still.
      if (pageToken === undefined || reachedOld) break;
    }
    const last = holder.finish(signal.aborted || newest === undefined ? undefined : new Date(newest).toISOString());
    if (last) yield last;
  }

  return {
    name: 'google',
    pausedUntil: guard.pausedUntil,
    async *poll(cursor, signal) {
      for (const locationId of config.locationIds) {
        if (signal.aborted) return;
        const stream = streamOf(locationId);
        if (!guard.ready(stream)) continue;
        yield* sweep(locationId, cursor(stream), signal);
      }
    },
  };
}

/** One stream (and cursor) per location. */
export function streamOf(locationId: string): string {
  return `location:${locationId}`;
}

/** The mention key of this content of the review: the same stars and text always give the same key. */
export function reviewVersionOf(review: GoogleReview): string {
  const hash = createHash('sha256').update(`${review.starRating ?? ''}\u0000${review.comment ?? ''}`).digest('hex').slice(0, 12);
  return `${review.reviewId}#${hash}`;
}

function isEdited(review: GoogleReview, updated: number): boolean {
  const created = Date.parse(review.createTime ?? '');
  if (Number.isNaN(created) || updated - created <= EDIT_SLACK_MS) return false;
  // Our reply may be what moved updateTime.
  const replied = Date.parse(review.reviewReply?.updateTime ?? '');
  return Number.isNaN(replied) || Math.abs(updated - replied) > EDIT_SLACK_MS;
}

/**
 * Our reply as an own post. It answers the content on show when it is newer than the last update
 * (give or take the slack); an older reply answered an earlier version, which it does not name.
 */
function replyOf(review: GoogleReview, version: string, updated: number): OwnPost | undefined {
  const at = Date.parse(review.reviewReply?.updateTime ?? '');
  if (Number.isNaN(at)) return undefined;
  const post: OwnPost = { platform: 'google', nativeId: `${review.reviewId}/reply@${review.reviewReply!.updateTime}`, createdAt: at };
  if (at >= updated - EDIT_SLACK_MS) post.inReplyToId = version;
  return post;
}

function toMention(review: GoogleReview, version: string, updated: number, stream: string): Mention {
  const rating = STARS[review.starRating ?? ''];
  const stars = rating === undefined ? '' : `${'★'.repeat(rating)}${'☆'.repeat(5 - rating)} `;
  const edited = isEdited(review, updated);
  const comment = typeof review.comment === 'string' && review.comment.trim() !== '' ? review.comment : undefined;
  const text = `${stars}${edited ? '(edited) ' : ''}${comment ?? '(rating only, no written review)'}`;
  const created = Date.parse(review.createTime ?? '');
  const name = review.reviewer?.isAnonymous ? undefined : review.reviewer?.displayName;
  return {
    platform: 'google',
    nativeId: version,
    // v4 names no reviewer id; one person writes one review per location, so the review stands in.
    author: { id: `reviewer:${review.reviewId}`, handle: name ?? 'A Google user', ...(name !== undefined && { name }) },
    text,
    // The SLA clock of an edit starts when it was made.
    createdAt: edited || Number.isNaN(created) ? updated : created,
    stream,
    ...(rating !== undefined && { rating: { stars: rating } }),
  };
}
