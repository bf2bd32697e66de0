import type { mastodon } from 'masto';
import { pausedOnRefusedLogin, type ReplyPublisher } from '../reply-publisher.js';
import { translateMastodonError } from './mastodon-client.js';

/**
 * Replies on Mastodon with `POST /api/v1/statuses`: `in_reply_to_id`, the visibility of the post it
 * answers (a followers-only or direct post is not answered in public), and the draft's key as
 * `Idempotency-Key`, which the server keeps for an hour: a retry within it returns the first status.
 */
export function mastodonPublisher(client: mastodon.rest.Client): ReplyPublisher {
  return {
    platform: 'mastodon',
    publish: (reply, parent) => pausedOnRefusedLogin(async () => {
      try {
        const answered = await client.v1.statuses.$select(parent.nativeId).fetch();
        const status = await client.v1.statuses.create(
          { status: reply.text, inReplyToId: parent.nativeId, visibility: answered.visibility },
          { requestInit: { headers: { 'Idempotency-Key': reply.sendKey } } },
        );
        return { id: status.id, url: status.url ?? status.uri };
      } catch (error) {
        throw translateMastodonError(error, `the reply to status ${parent.nativeId}`);
      }
    }),
  };
}
