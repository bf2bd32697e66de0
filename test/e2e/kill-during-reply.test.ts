import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeBluesky } from '../fakes/fake-bluesky.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

const REPLIES = 3;

/**
 * SIGKILL after the platform accepted a reply and before the database recorded it: the built CLI
 * (`triage poll --once`, which sends the reply outbox) is killed the moment the fake has answered
 * the write, then run again until every reply is recorded. Each post gets exactly one reply.
 */
describe('kill -9 between a reply\'s send and its record (the built CLI against fake Mastodon and Bluesky)', { timeout: 180_000 }, () => {
  let mastodon: FakeMastodon;
  let bluesky: FakeBluesky;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    mastodon = new FakeMastodon();
    bluesky = new FakeBluesky();
    await Promise.all([mastodon.start(), bluesky.start()]);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      MASTODON_URL: mastodon.baseUrl,
      MASTODON_ACCESS_TOKEN: mastodon.token,
      BLUESKY_HANDLE: bluesky.me.handle,
      BLUESKY_APP_PASSWORD: bluesky.appPassword,
      BLUESKY_SERVICE: bluesky.baseUrl,
      LOG_LEVEL: 'warn',
    };
  });
  afterEach(async () => {
    mastodon.onResponded = undefined;
    bluesky.onResponded = undefined;
    await stopSpawned();
    await Promise.all([mastodon.stop(), bluesky.stop()]);
    temp.cleanup();
  });

  /** Queues a guard-passed reply on every open alert, as an approved draft from the card would be. */
  async function queueReplies(): Promise<void> {
    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      for (const alert of await store.openAlerts(100)) {
        await store.replies.create({ alertId: alert.id, platform: alert.mention.platform, account: alert.mention.account ?? null, text: `@${alert.mention.authorHandle} We are sorry for the trouble. Please send us a private message.`, author: '@kim', guard: { ok: true, problems: [] }, approval: { required: false }, sendKey: `key-${alert.id}`, now: Date.now() });
      }
    } finally {
      await store.close();
    }
  }

  it(`posts each of ${REPLIES * 2} replies exactly once over a kill after every accepted write`, async () => {
    for (let i = 0; i < REPLIES; i++) {
      mastodon.addStatus({ account: mastodon.addAccount({ username: `pat${i}`, displayName: `Pat ${i}`, followers: 3 }), content: `<p>@riverbend my bill went to collections after insurance paid (${i})</p>` });
      bluesky.addPost({ author: bluesky.addAccount({ handle: `sam${i}.bsky.social` }), text: `@${bluesky.me.handle} my bill went to collections after insurance paid (${i})` });
    }
    const first = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(first.code, first.stderr).toBe(0);
    await queueReplies();

    let kills = 0;
    for (let run = 0; run < REPLIES * 4 && kills < REPLIES * 2; run++) {
      let child: ChildProcess | undefined;
      const kill = () => {
        mastodon.onResponded = undefined;
        bluesky.onResponded = undefined;
        child?.kill('SIGKILL');
        kills++;
      };
      mastodon.onResponded = (r) => r.method === 'POST' && r.path === '/api/v1/statuses' && kill();
      bluesky.onResponded = (r) => r.nsid === 'com.atproto.repo.createRecord' && kill();
      await runCli(['poll', '--once'], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 30_000 });
    }
    mastodon.onResponded = undefined;
    bluesky.onResponded = undefined;
    expect(kills).toBeGreaterThanOrEqual(REPLIES);
    const last = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(last.code, last.stderr).toBe(0);

    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      const drafts = (await Promise.all((await store.openAlerts(100)).concat(await store.findAlerts('collections', 100)).map((a) => store.replies.forAlert(a.id)))).flat();
      const unique = new Map(drafts.map((d) => [d.id, d]));
      expect([...unique.values()].map((d) => d.state)).toEqual(Array(REPLIES * 2).fill('sent'));
    } finally {
      await store.close();
    }
    const ours = mastodon.statuses.filter((s) => s.accountId === mastodon.me.id);
    expect(ours).toHaveLength(REPLIES);
    expect(new Set(ours.map((s) => s.inReplyToId)).size).toBe(REPLIES);
    const skeets = bluesky.ownReplies();
    expect(skeets).toHaveLength(REPLIES);
    expect(new Set(skeets.map((p) => p.replyTo)).size).toBe(REPLIES);
  });
});
