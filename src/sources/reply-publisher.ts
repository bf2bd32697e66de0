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
