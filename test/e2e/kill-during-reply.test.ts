import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeBluesky } from '../fakes/fake-bluesky.js';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { FakeGoogle } from '../fakes/fake-google.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

/** Replies per platform: 4 × 25 = 100 sends. */
const PER_PLATFORM = 25;
const PLATFORMS = ['mastodon', 'bluesky', 'google', 'facebook'] as const;
type Platform = (typeof PLATFORMS)[number];
/**
 * Kills at the n-th answer of a fake that is not a reply's write (a poll, a token refresh, a
 * lookup): a run makes about 14 before its first send, then one per send or two, 25 or so in all
 * (it sends at most 20).
 */
const AT_OTHER_ANSWERS = [3, 7, 11, 14, 16, 18, 20, 22];
const MINUTE = 60_000;

/**
 * SIGKILL at planned moments while the built CLI (`triage poll --once`, which polls, then sends the
 * reply outbox) sends 100 replies across fake Mastodon, Bluesky, Google and Facebook: first the
 * moment each platform has answered a reply's write (accepted, not yet recorded), then at other
 * answers (a poll, a token refresh, a lookup), then after the k-th write, restarted until every reply
 * is recorded. The plan is counted in answers, never in time. Each post ends with exactly one reply
 * of ours, and every draft is sent.
 */
describe('kill -9 during 100 reply sends (the built CLI against fake Mastodon, Bluesky, Google and Facebook)', { timeout: 600_000 }, () => {
  let mastodon: FakeMastodon;
  let bluesky: FakeBluesky;
  let google: FakeGoogle;
  let facebook: FakeFacebook;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    mastodon = new FakeMastodon();
    bluesky = new FakeBluesky();
    google = new FakeGoogle();
    facebook = new FakeFacebook();
    await Promise.all([mastodon.start(), bluesky.start(), google.start(), facebook.start()]);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      MASTODON_URL: mastodon.baseUrl,
      MASTODON_ACCESS_TOKEN: mastodon.token,
      BLUESKY_HANDLE: bluesky.me.handle,
      BLUESKY_APP_PASSWORD: bluesky.appPassword,
      BLUESKY_SERVICE: bluesky.baseUrl,
      GOOGLE_ACCOUNT_ID: google.accountId,
      GOOGLE_LOCATION_IDS: '4101',
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_REFRESH_TOKEN: google.refreshToken,
      GOOGLE_API_BASE_URL: google.baseUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      FACEBOOK_PAGE_ID: facebook.page.id,
      FACEBOOK_PAGE_TOKEN: facebook.token,
      FACEBOOK_GRAPH_URL: facebook.baseUrl,
      LOG_LEVEL: 'warn',
    };
  });
  afterEach(async () => {
    hook(undefined);
    await stopSpawned();
    await Promise.all([mastodon.stop(), bluesky.stop(), google.stop(), facebook.stop()]);
    temp.cleanup();
  });

  /** Every fake's "answered" hook, with whether the answer was a reply's write and on which platform. */
  function hook(on: ((answer: { write: Platform | undefined }) => void) | undefined): void {
    mastodon.onResponded = on && ((r) => on({ write: r.method === 'POST' && r.path === '/api/v1/statuses' ? 'mastodon' : undefined }));
    bluesky.onResponded = on && ((r) => on({ write: r.nsid === 'com.atproto.repo.createRecord' ? 'bluesky' : undefined }));
    google.onResponded = on && ((r) => on({ write: r.method === 'PUT' ? 'google' : undefined }));
    facebook.onResponded = on && ((r) => on({ write: r.method === 'POST' && r.path.endsWith('/comments') ? 'facebook' : undefined }));
  }

  function unsent(): number {
    const db = new Database(env.DATABASE_PATH!, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM reply_drafts WHERE state <> 'sent'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  /**
   * A guard-passed reply queued on every open alert, as an approved draft from the card would be,
   * taking the platforms in turn: the outbox sends in the order drafts were queued, and the open
   * queue's own order (by SLA due time) depends on the hour the test runs at.
   */
  async function queueReplies(): Promise<number> {
    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      const open = [...(await store.openAlerts(1000))].sort((a, b) => a.id - b.id);
      const turns = PLATFORMS.map((platform) => open.filter((alert) => alert.mention.platform === platform));
      const alerts = turns[0]!.flatMap((_, i) => turns.map((mine) => mine[i]).filter((alert) => alert !== undefined));
      for (const alert of alerts) {
        await store.replies.create({ alertId: alert.id, platform: alert.mention.platform, account: alert.mention.account ?? null, text: `We are sorry for the trouble (#${alert.id}). Please send us a private message so we can help.`, author: '@kim', guard: { ok: true, problems: [] }, approval: { required: false }, sendKey: `key-${alert.id}`, now: Date.now() });
      }
      return alerts.length;
    } finally {
      await store.close();
    }
  }

  it(`posts each of ${PER_PLATFORM * PLATFORMS.length} replies exactly once over planned kill -9s, after accepted writes and at other answers`, async () => {
    const now = Date.now();
    const complaint = (i: number) => `my bill went to collections after insurance paid and nobody calls back (${i})`;
    const fbPost = facebook.addPost({ message: 'Our billing office hours are changing', createdAt: now - 90 * MINUTE });
    for (let i = 0; i < PER_PLATFORM; i++) {
      mastodon.addStatus({ account: mastodon.addAccount({ username: `pat${i}`, displayName: `Pat ${i}`, followers: 3 }), content: `<p>@riverbend ${complaint(i)}</p>` });
      bluesky.addPost({ author: bluesky.addAccount({ handle: `sam${i}.bsky.social` }), text: `@${bluesky.me.handle} ${complaint(i)}` });
      google.addReview({ locationId: '4101', displayName: `Lee ${i}`, starRating: 'ONE', comment: complaint(i), createdAt: now - (60 - i) * MINUTE });
      facebook.addComment({ postId: fbPost.id, from: { id: String(2_600_000_000_100 + i), name: `Ana ${i}` }, message: complaint(i), createdAt: now - (60 - i) * MINUTE });
    }
    const first = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(await queueReplies()).toBe(PER_PLATFORM * PLATFORMS.length);

    const kills = { afterWrite: new Map<Platform, number>(), atAnswer: 0 };
    let runs = 0;
    let answerRuns = 0;
    for (; runs < 80 && unsent() > 0; runs++) {
      let child: ChildProcess | undefined;
      // Until every platform has had one, the first accepted write of a platform not killed on yet;
      // then at each planned other answer; then after the k-th accepted write (k = 1..4), with every
      // fifth run left alone.
      const uncovered = PLATFORMS.some((p) => !kills.afterWrite.has(p));
      const target = uncovered
        ? { uncovered: true }
        : answerRuns < AT_OTHER_ANSWERS.length
          ? { answer: AT_OTHER_ANSWERS[answerRuns++] as number }
          : runs % 5 === 4
            ? { none: true }
            : { writes: 1 + (runs % 4) };
      let answers = 0;
      let writes = 0;
      hook((answer) => {
        if (answer.write) writes++;
        else answers++;
        const hit =
          'uncovered' in target ? answer.write !== undefined && !kills.afterWrite.has(answer.write)
          : 'writes' in target ? answer.write !== undefined && writes === target.writes
          : 'answer' in target && answer.write === undefined && answers === target.answer;
        if (!hit) return;
        hook(undefined);
        child?.kill('SIGKILL');
        if (answer.write) kills.afterWrite.set(answer.write, (kills.afterWrite.get(answer.write) ?? 0) + 1);
        else kills.atAnswer++;
      });
      const run = await runCli(['poll', '--once'], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 60_000 });
      hook(undefined);
      // Either killed, or a clean run (left alone, or its target never came): never a failure.
      expect([0, -1], run.stderr.slice(-2000)).toContain(run.code);
    }
    const summary = `${runs} runs; kills just after an accepted write ${JSON.stringify(Object.fromEntries(kills.afterWrite))}, at another answer ${kills.atAnswer}`;
    expect(unsent(), summary).toBe(0);
    expect(PLATFORMS.every((p) => (kills.afterWrite.get(p) ?? 0) >= 1), summary).toBe(true);
    expect(kills.atAnswer, summary).toBeGreaterThanOrEqual(5);

    // Exactly one reply of ours per post, on every platform: 100 in all, none twice.
    const ours = {
      mastodon: mastodon.statuses.filter((s) => s.accountId === mastodon.me.id).map((s) => s.inReplyToId),
      bluesky: bluesky.ownReplies().map((p) => p.replyTo),
      google: google.reviews.filter((r) => r.reply).map((r) => r.reviewId),
      facebook: facebook.ownReplies().map((c) => c.parentId),
    };
    for (const platform of PLATFORMS) {
      expect(ours[platform], platform).toHaveLength(PER_PLATFORM);
      expect(new Set(ours[platform]).size, platform).toBe(PER_PLATFORM);
    }
    // Google keeps one reply per review whatever is rewritten: each was written for its own review only.
    expect(new Set(google.replyWrites.map((w) => `${w.reviewId}:${w.comment}`)).size).toBe(PER_PLATFORM);
    // eslint-disable-next-line no-console
    console.info(`kill-during-reply: ${summary}`);
  });
});
