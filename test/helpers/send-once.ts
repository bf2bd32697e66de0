import { expect } from 'vitest';
import { createMastodonClient } from '../../src/sources/mastodon/mastodon-client.js';
import { mastodonPublisher } from '../../src/sources/mastodon/mastodon-publisher.js';
import { sendReplies } from '../../src/sources/send-replies.js';
import type { FakeMastodon } from '../fakes/fake-mastodon.js';
import type { pipelineFixture } from './pipeline.js';

/**
 * Runs the reply dispatcher twice against the fake Mastodon (the second an hour later) and checks the
 * approved reply to alert 1 went out once, the first response is @ana's at `clock`, and its audit
 * reads draft, edit, approve, send attempt, sent: the end of every chat's compose-and-approve path.
 */
export async function expectApprovedReplySentOnce(fx: Awaited<ReturnType<typeof pipelineFixture>>, mastodon: FakeMastodon, postId: string, clock: number): Promise<void> {
  const publisher = mastodonPublisher(createMastodonClient({ url: mastodon.baseUrl, accessToken: mastodon.token }));
  expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock, publisherFor: () => publisher })).toEqual({ sent: 1, failed: 0, retrying: 0 });
  expect(await sendReplies({ store: fx.store, log: fx.log, now: () => clock + 3600_000, publisherFor: () => publisher })).toEqual({ sent: 0, failed: 0, retrying: 0 });
  expect(mastodon.repliesTo(postId)).toHaveLength(1);
  expect(await fx.store.getAlert(1)).toMatchObject({ state: 'responded', firstResponseAt: clock, respondedBy: '@ana' });
  expect((await fx.store.replies.events(1)).map((e) => [e.actor, e.action])).toEqual([['@ana', 'draft'], ['@ana', 'edit'], ['@ben', 'approve'], ['triage', 'send attempt'], ['triage', 'sent']]);
}
