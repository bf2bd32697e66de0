import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MastodonConfig } from '../../src/config.js';
import { pollSource } from '../../src/pipeline.js';
import { htmlToText } from '../../src/sources/mastodon/html-to-text.js';
import { createMastodonClient } from '../../src/sources/mastodon/mastodon-client.js';
import { createMastodonSource, type MastodonSourceOptions } from '../../src/sources/mastodon/mastodon-source.js';
import { FakeMastodon, type FakeMastodonAccount } from '../fakes/fake-mastodon.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { runSourceConformance, type SourceDriver } from './conformance.js';

const NOTIFICATIONS = '/api/v1/notifications';

function mastodonConfig(fake: FakeMastodon, overrides: Partial<MastodonConfig> = {}): MastodonConfig {
  return { url: fake.baseUrl, accessToken: fake.token, backfillHours: 24, ...overrides };
}

export function mastodonDriver(): SourceDriver & { fake: FakeMastodon } {
  const fake = new FakeMastodon();
  let pat: FakeMastodonAccount;
  return {
    fake,
    platform: 'mastodon',
    mainStream: 'mentions',
    pageSize: 5,
    backfillHours: 24,
    authHint: /MASTODON_ACCESS_TOKEN/,
    async start() {
      await fake.start();
      pat = fake.addAccount({ username: 'pat', displayName: 'Pat Q', followers: 340 });
    },
    stop: () => fake.stop(),
    createSource: ({ log, policy }) => {
      const config = mastodonConfig(fake);
      return createMastodonSource({ config, client: createMastodonClient(config, { timeoutMs: 300 }), log, policy, pageSize: 5 });
    },
    addMention({ ageMs, text } = {}) {
      const createdAt = ageMs === undefined ? undefined : new Date(Date.now() - ageMs).toISOString();
      const status = fake.addStatus({ account: pat, content: `<p><span class="h-card"><a href="${fake.baseUrl}/@riverbend" class="u-url mention">@<span>riverbend</span></a></span> ${text ?? 'hello'}</p>`, ...(createdAt !== undefined && { createdAt }) });
      return { nativeId: status.id };
    },
    addOwnReply(to, at) {
      return { nativeId: fake.addStatus({ account: fake.me, content: '<p>@pat we are sorry, please DM us</p>', inReplyToId: to.nativeId, createdAt: new Date(at).toISOString() }).id };
    },
    fail(fault, times = 1) {
      if (fault.kind === 'rate-limit') fake.fail({ kind: 'status', status: 429, resetInSeconds: fault.resetInSeconds }, NOTIFICATIONS, times);
      else if (fault.kind === 'server-error') fake.fail({ kind: 'status', status: 503 }, NOTIFICATIONS, times);
      else if (fault.kind === 'bad-body') fake.fail({ kind: 'malformed' }, NOTIFICATIONS, times);
      else if (fault.kind === 'hang') fake.fail({ kind: 'hang' }, NOTIFICATIONS, times);
      else fake.fail({ kind: 'status', status: 401 }, undefined, times);
    },
    remove: (item) => fake.deleteStatus(item.nativeId),
    edit: (item, text) => fake.editStatus(item.nativeId, `<p>${text}</p>`),
    mainStreamRequests: () => fake.requestsTo(NOTIFICATIONS).length,
    emptyPageNext: () => fake.fail({ kind: 'empty-page' }, NOTIFICATIONS),
  };
}

runSourceConformance('Mastodon', () => mastodonDriver());

describe('Mastodon source specifics (real masto client against the fake)', () => {
  let fake: FakeMastodon;
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let pat: FakeMastodonAccount;
  const signal = new AbortController().signal;

  beforeEach(async () => {
    fake = new FakeMastodon();
    await fake.start();
    pat = fake.addAccount({ username: 'pat', displayName: 'Pat Q', followers: 340 });
    fx = await pipelineFixture();
  });
  afterEach(async () => {
    fx.close();
    await fake.stop();
  });

  function source(overrides: Partial<MastodonSourceOptions> = {}) {
    const config = mastodonConfig(fake);
    return createMastodonSource({ config, client: createMastodonClient(config, { timeoutMs: 300 }), log: fx.log, pageSize: 5, policy: { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, maxInlineWaitMs: 5000 }, ...overrides });
  }
  const row = (nativeId: string) => fx.store.db.prepare('SELECT author_handle, author_name, author_followers, text, url, in_reply_to_id, in_reply_to_text FROM mentions WHERE native_id = ?').get(nativeId) as Record<string, string | number | null> | undefined;

  it('shows the text as people read it, with the parent of a reply, and reads only mention notifications', async () => {
    const ours = fake.addStatus({ account: fake.me, content: '<p>Flu shots &amp; COVID boosters this Saturday</p>' });
    const reply = fake.addStatus({
      account: pat,
      content: '<p><span class="h-card"><a href="https://fake/@riverbend" class="u-url mention">@<span>riverbend</span></a></span> is it walk-in? see <a href="https://example.org/clinic/hours?x=1&amp;y=2" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">example.org/clinic/ho</span><span class="invisible">urs?x=1&amp;y=2</span></a></p><p>thanks &lt;3 <a href="https://fake/tags/flu" class="mention hashtag" rel="tag">#<span>flu</span></a></p>',
      inReplyToId: ours.id,
    });
    fake.addFavourite(pat, ours);
    const src = source();
    expect(await pollSource(src, fx.deps, signal)).toMatchObject({ inserted: 1 });
    expect(row(reply.id)).toEqual({
      author_handle: 'pat', author_name: 'Pat Q', author_followers: 340,
      text: '@riverbend is it walk-in? see https://example.org/clinic/hours?x=1&y=2\n\nthanks <3 #flu',
      url: `${fake.baseUrl}/@pat/${reply.id}`, in_reply_to_id: ours.id, in_reply_to_text: 'Flu shots & COVID boosters this Saturday',
    });
    expect(fake.requestsTo(NOTIFICATIONS)[0]!.query).toMatchObject({ 'types[]': 'mention', limit: '5' });
    expect(src.maxCharacters).toBe(500);
  });

  it('records the instance\'s own character limit', async () => {
    fake.maxCharacters = 11_000;
    const src = source();
    await pollSource(src, fx.deps, signal);
    expect(src.maxCharacters).toBe(11_000);
  });

  it('follows the next link with its own since_id and stops at the stored notification, not at the end of history', async () => {
    for (let i = 0; i < 12; i++) fake.addStatus({ account: pat, content: `<p>@riverbend old ${i}</p>` });
    await pollSource(source(), fx.deps, signal);
    const before = fake.requestsTo(NOTIFICATIONS).length;
    for (let i = 0; i < 7; i++) fake.addStatus({ account: pat, content: `<p>@riverbend new ${i}</p>` });
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ inserted: 7 });
    // 5 + 2 above the stored id, then the empty page the last page's next link leads to: no further.
    const pages = fake.requestsTo(NOTIFICATIONS).slice(before);
    expect(pages).toHaveLength(3);
    expect(pages[0]!.query.max_id).toBeUndefined();
    expect(pages.slice(1).every((p) => p.query.max_id !== undefined)).toBe(true);
    expect(new Set(pages.map((p) => p.query.since_id)).size).toBe(1);
  });

  it('waits until X-RateLimit-Reset (there is no Retry-After) and retries an HTML error page', async () => {
    fake.addStatus({ account: pat, content: '<p>@riverbend hello</p>' });
    fake.fail({ kind: 'html' }, NOTIFICATIONS);
    fake.fail({ kind: 'status', status: 429, resetInSeconds: 1 }, NOTIFICATIONS);
    expect(await pollSource(source(), fx.deps, signal)).toMatchObject({ inserted: 1 });
    const warnings = fx.logs.records.filter((r) => r.level === 40).map((r) => `${r.msg} ${String(r.err ?? '')}`);
    expect(warnings).toEqual([expect.stringMatching(/retrying .*page that is not the API/), expect.stringMatching(/waiting for the reset/)]);
  });

  it('turns Mastodon HTML into plain text', () => {
    expect(htmlToText('<p>a&nbsp;b<br>c &#39;d&#x27; &quot;e&quot;</p><p>f</p>')).toBe('a b\nc \'d\' "e"\n\nf');
  });
});
