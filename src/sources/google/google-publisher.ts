import type { GoogleConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';
import { credentialsRefused, type ReplyPublisher } from '../reply-publisher.js';
import type { GoogleReplyClient } from './google-client.js';

type ClientModule = typeof import('./google-client.js');

/** The review a stored Google mention is: `reviewId#contentHash`, read on stream `location:{id}`. */
export function reviewOf(parent: { nativeId: string; stream?: string | null | undefined }, locationIds: readonly string[]): { reviewId: string; locationId: string | undefined } {
  const reviewId = parent.nativeId.split('#')[0] as string;
  const fromStream = parent.stream?.startsWith('location:') ? parent.stream.slice('location:'.length) : undefined;
  return { reviewId, locationId: fromStream ?? (locationIds.length === 1 ? locationIds[0] : undefined) };
}

/**
 * Replies to a Google review with `PUT accounts/{a}/locations/{l}/reviews/{id}/reply`: a review has
 * one reply, created or overwritten, so a retry after a crash rewrites the same reply instead of
 * adding a second. The reply's id is the one the source gives it when it reads it back
 * (`{reviewId}/reply@{updateTime}`). google-auth-library is loaded on the first send.
 */
export function googlePublisher(config: GoogleConfig, make?: () => GoogleReplyClient): ReplyPublisher {
  let module: ClientModule | undefined;
  let client: GoogleReplyClient | undefined;
  return {
    platform: 'google',
    async publish(reply, parent, signal) {
      const { reviewId, locationId } = reviewOf(parent, config.locationIds);
      if (locationId === undefined) {
        throw new TriageError('source-bad-response', `the location of Google review ${reviewId} is not known (the review was stored without it): reply on Google directly`);
      }
      module ??= await import('./google-client.js');
      client ??= make?.() ?? module.createGoogleReviewsClient(config);
      try {
        const answer = await client.putReply(locationId, reviewId, reply.text, signal);
        return { id: `${reviewId}/reply@${answer.updateTime ?? new Date(reply.createdAt).toISOString()}`, url: null };
      } catch (error) {
        // On a reply a 404 is the review itself gone (deleted by its author, or by Google): nothing to retry.
        if ((error as { response?: { status?: unknown } } | null)?.response?.status === 404) {
          throw new TriageError('source-bad-response', `Google has no review ${reviewId} at location ${locationId} any more (deleted?); the reply was not posted`);
        }
        const failure = module.translateGoogleError(error, `the reply to review ${reviewId} of location ${locationId}`, { answeredBefore: true });
        throw module.isCredentialRejected(failure) ? credentialsRefused(failure) : failure;
      }
    },
  };
}
