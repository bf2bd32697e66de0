/** Who wrote a mention, as far as the platform told us. */
export interface Author {
  /** Platform user id; stable across handle changes. */
  id: string;
  handle: string;
  name?: string;
  followers?: number;
  verified?: boolean;
}

/**
 * A social post about the brand, normalised across platforms. Every source yields these; the
 * store keeps them unique per (platform, nativeId).
 */
export interface Mention {
  platform: string;
  nativeId: string;
  author: Author;
  text: string;
  /** When the author posted it (epoch ms). The SLA clock starts here. */
  createdAt: number;
  url?: string;
  conversationId?: string;
  inReplyToId?: string;
  /** Text of the post this one replies to, when the source knows it (shown on the card). */
  inReplyToText?: string;
  /** Which stream of the source found it: `mentions`, `search`, `replay` ... */
  stream?: string;
  /** The id of the account (data/accounts.json, or the platform's name for its one-account settings) that heard it. */
  account?: string;
  /** A review's rating: Google's stars, a Facebook recommendation (yes or no). */
  rating?: { stars?: number; recommends?: boolean };
}

/**
 * A post by the brand's own account. A reply to a mention is the real first response for SLA
 * purposes; original posts feed the digest's posting cadence.
 */
export interface OwnPost {
  platform: string;
  nativeId: string;
  createdAt: number;
  inReplyToId?: string;
  conversationId?: string;
}
