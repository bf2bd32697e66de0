import type { FacebookConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';
import { credentialsRefused, type ReplyParent, type ReplyPublisher } from '../reply-publisher.js';
import { isTokenRejected, parseGraphTime, translateGraphError, type GraphClient } from './graph-client.js';
import type { GraphComment } from './facebook-mentions.js';

/** Our earlier reply is looked for in this many pages of the thread's newest comments at most. */
const LOOKUP_PAGES = 5;
/** A reply created this long before its draft cannot be the draft's. */
const CLOCK_SLACK_MS = 5 * 60_000;

/**
 * Where a reply to `parent` goes: under a comment (`POST /{comment-id}/comments`); a reply to a
 * nested reply goes under its top-level comment, as Facebook threads only one level deep; a visitor
 * post is commented on itself.
 */
export function replyTargetOf(parent: ReplyParent): string {
  const nested = parent.inReplyToId && parent.conversationId && parent.inReplyToId !== parent.conversationId && parent.inReplyToId !== parent.nativeId;
  return nested ? (parent.inReplyToId as string) : parent.nativeId;
}

/**
 * Replies to a Facebook comment or visitor post as the Page (`POST /{id}/comments` with `message`;
 * the page token needs pages_manage_engagement). Graph has no idempotency key, so a retry first
 * reads the thread's newest replies and takes ours if it is there (from the Page, the same text,
 * not older than the draft) before posting again.
 */
export function facebookPublisher(config: Pick<FacebookConfig, 'pageId'>, client: GraphClient): ReplyPublisher {
  async function findOurs(target: string, text: string, notBefore: number, signal: AbortSignal | undefined): Promise<string | undefined> {
    let after: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const params = { filter: 'stream', order: 'reverse_chronological', fields: 'id,message,created_time,from{id}', limit: '100', ...(after && { after }) };
      const { body } = await client.get<{ data?: GraphComment[]; paging?: { cursors?: { after?: string }; next?: string } }>(`${target}/comments`, params, signal ?? new AbortController().signal);
      const comments = Array.isArray(body?.data) ? body.data : [];
      const ours = comments.find((c) => c?.from?.id === config.pageId && typeof c.message === 'string' && c.message.trim() === text.trim() && !(parseGraphTime(c.created_time) < notBefore));
      if (ours?.id) return ours.id;
      // Newest first: past the draft's time, the rest is older still.
      if (comments.some((c) => parseGraphTime(c?.created_time) < notBefore)) return undefined;
      const next = body?.paging?.next;
      const nextAfter = body?.paging?.cursors?.after;
      if (next === undefined || nextAfter === undefined || nextAfter === after) return undefined;
      after = nextAfter;
    }
    return undefined;
  }

  return {
    platform: 'facebook',
    async publish(reply, parent, signal) {
      if (parent.nativeId.startsWith('rating:')) {
        throw new TriageError('source-bad-response', 'this recommendation has no story to comment on: reply on Facebook directly');
      }
      const target = replyTargetOf(parent);
      const published = (id: string) => ({ id, url: replyUrl(parent.url, id) });
      try {
        if (reply.retry) {
          const found = await findOurs(target, reply.text, reply.createdAt - CLOCK_SLACK_MS, signal);
          if (found) return published(found);
        }
        const { body } = await client.post<{ id?: unknown }>(`${target}/comments`, { message: reply.text }, signal);
        if (typeof body?.id !== 'string') throw new TriageError('source-bad-response', `Facebook answered the reply to ${target} without its id`, { retryable: true });
        return published(body.id);
      } catch (error) {
        const failure = translateGraphError(error, `the reply to ${target}`);
        throw isTokenRejected(failure) ? credentialsRefused(failure) : failure;
      }
    },
  };
}

/** The reply's link: the thread's own link pointed at our comment. */
function replyUrl(parentUrl: string | null, id: string): string {
  try {
    const url = new URL(parentUrl ?? '');
    if (url.protocol !== 'https:') throw new Error('not https');
    url.searchParams.set('comment_id', id);
    return url.href;
  } catch {
    return `https://www.facebook.com/${encodeURIComponent(id)}`;
  }
}
