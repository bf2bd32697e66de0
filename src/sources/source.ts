import type { Mention, OwnPost } from '../domain/mention.js';

/** One page of a source's stream, stored in one transaction. */
export interface SourceBatch {
  stream: string;
  mentions: Mention[];
  /** The brand's own posts found in this page; replies among them mark alerts responded. */
  ownPosts?: OwnPost[];
  /** Set on the batch that completes a sweep of the stream: stored with it, never before. */
  cursor?: string;
  /** Posts read from the API for this page (billing), when it differs from mentions.length. */
  reads?: number;
}

/**
 * A place mentions come from. `poll` yields the batches newer than the stored cursors; it must not
 * advance anything itself, the pipeline stores each batch and its cursor together.
 */
export interface Source {
  readonly name: string;
  poll(cursor: (stream: string) => string | undefined, signal: AbortSignal): AsyncIterable<SourceBatch>;
}
