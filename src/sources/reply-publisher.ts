import { TriageError } from '../util/errors.js';

/**
 * The Publisher port: posts a reply someone wrote on a card, on the platform of the post it answers.
 * Each platform's adapter makes a second call for the same reply harmless (the reply outbox calls
 * again after a crash between the platform's answer and our record of it): by the platform's own
 * idempotency key, a deterministic record key, a PUT, or by looking for our earlier reply first.
 */
export interface OutgoingReply {
  text: string;
  /** Stable for the draft: what the platform deduplicates on. */
  sendKey: string;
  /** When the draft was made: fixes Bluesky's record key. */
  createdAt: number;
  /** True when an earlier attempt may have reached the platform. */
  retry: boolean;
}

/** The post being answered, as stored. */
export interface ReplyParent {
  nativeId: string;
  url: string | null;
  authorHandle: string;
  /** Where the source read it: Google's `location:{id}`, Facebook's `feed` or `ratings`. */
  stream?: string | null | undefined;
  /** The thread's root (a Facebook post), and the post or comment this one answers. */
  conversationId?: string | null | undefined;
  inReplyToId?: string | null | undefined;
}

export interface PublishedReply {
  /** The platform's id of our reply. */
  id: string;
  url: string | null;
}

export interface ReplyPublisher {
  platform: string;
  publish(reply: OutgoingReply, parent: ReplyParent, signal?: AbortSignal): Promise<PublishedReply>;
  /**
   * Why the publisher cannot send at all now (X: the access was revoked), having said so once
   * itself; undefined when it can. The dispatcher then leaves the drafts queued, without a word.
   */
  held?(): Promise<string | undefined>;
}

/**
 * A platform refused our credentials themselves (a revoked refresh token, an expired page token):
 * sending stops for that account with this one message, and its replies wait in the outbox (they
 * are not failed) until the credentials are fixed.
 */
export function credentialsRefused(failure: TriageError): TriageError {
  return new TriageError('source-auth', `${failure.message} Replies to send wait in the outbox until this is fixed.`, { retryable: true, cause: failure });
}

/** A publish whose login the platform refuses (`source-auth`) pauses the account's sends instead of failing the draft. */
export async function pausedOnRefusedLogin<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof TriageError && error.code === 'source-auth' ? credentialsRefused(error) : error;
  }
}

export function isCredentialsRefused(error: unknown): error is TriageError {
  return error instanceof TriageError && error.code === 'source-auth' && error.retryable;
}
