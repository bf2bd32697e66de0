import { createHash } from 'node:crypto';
import { XRPCError, type AtpAgent } from '@atproto/api';
import type { BlueskyConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';
import { pausedOnRefusedLogin, type ReplyPublisher } from '../reply-publisher.js';
import type { SessionStore } from '../session-store.js';
import { ensureBlueskySession, translateBlueskyError } from './bluesky-client.js';

const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz';

/**
 * A record key (TID: 53 bits of microseconds, 10 of clock id, base32-sortable) derived from the
 * draft alone, so every attempt at one reply writes the same record: a retry collides with the first
 * instead of posting twice.
 */
export function replyRecordKey(sendKey: string, createdAt: number): string {
  const hash = createHash('sha256').update(sendKey).digest();
  const micros = BigInt(createdAt) * 1000n + BigInt(hash.readUInt16BE(0) % 1000);
  let n = (micros << 10n) | BigInt(hash.readUInt16BE(2) & 1023);
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = TID_CHARS[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

interface StrongRef {
  uri: string;
  cid: string;
}

/**
 * Replies on Bluesky with `com.atproto.repo.createRecord`: an `app.bsky.feed.post` whose reply refs
 * point at the thread's root and at the post answered, under {@link replyRecordKey}. On a retry the
 * record is looked for first (`getRecord`), and a collision is read back the same way.
 */
export function blueskyPublisher(agent: AtpAgent, config: Pick<BlueskyConfig, 'handle' | 'appPassword'>, sessions: SessionStore): ReplyPublisher {
  return {
    platform: 'bluesky',
    publish: (reply, parent) => pausedOnRefusedLogin(async () => {
      await ensureBlueskySession(agent, config, sessions);
      const repo = agent.session?.did as string;
      const handle = agent.session?.handle ?? config.handle;
      const rkey = replyRecordKey(reply.sendKey, reply.createdAt);
      const collection = 'app.bsky.feed.post';
      const published = (uri: string) => ({ id: uri, url: `https://bsky.app/profile/${handle}/post/${rkey}` });
      const existing = async (): Promise<string | undefined> => {
        try {
          return (await agent.com.atproto.repo.getRecord({ repo, collection, rkey })).data.uri;
        } catch (error) {
          if (error instanceof XRPCError && (error.status === 400 || error.status === 404)) return undefined;
          throw translateBlueskyError(error, 'looking for an earlier reply');
        }
      };
      if (reply.retry) {
        const found = await existing();
        if (found) return published(found);
      }
      let parentRef: StrongRef;
      let root: StrongRef;
      try {
        const post = (await agent.getPosts({ uris: [parent.nativeId] })).data.posts[0];
        if (!post) throw new TriageError('source-bad-response', `the Bluesky post ${parent.nativeId} is gone (deleted or hidden): nothing to reply to`);
        parentRef = { uri: post.uri, cid: post.cid };
        root = (post.record as { reply?: { root?: StrongRef } }).reply?.root ?? parentRef;
      } catch (error) {
        throw translateBlueskyError(error, `the post ${parent.nativeId}`);
      }
      const record = { $type: collection, text: reply.text, createdAt: new Date(reply.createdAt).toISOString(), reply: { root, parent: parentRef } };
      try {
        return published((await agent.com.atproto.repo.createRecord({ repo, collection, rkey, record })).data.uri);
      } catch (error) {
        // Taken already: the first attempt went through and only our record of it was lost.
        const found = error instanceof XRPCError && error.status === 400 ? await existing() : undefined;
        if (found) return published(found);
        throw translateBlueskyError(error, 'the reply');
      }
    }),
  };
}
