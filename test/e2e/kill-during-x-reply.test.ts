import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenSeal } from '../../src/store/oauth-logins.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

const REPLIES = 3;
const KEY = 'test-secret-key-of-at-least-32-characters';

/**
 * SIGKILL after X accepted a reply and before the database recorded it: the built CLI (`triage
 * poll --once`, which sends the reply outbox in user context) is killed the moment the fake has
 * answered `POST /2/tweets`, then run again until every reply is recorded. X has no idempotency
 * key: the retry finds our reply on our own timeline, so each post gets exactly one.
 */
describe('kill -9 between an X reply\'s send and its record (the built CLI against the fake X)', { timeout: 180_000 }, () => {
  let fake: FakeXApi;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  const us = { id: '4200', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 9000 };

  beforeEach(async () => {
    fake = new FakeXApi();
    await fake.start();
    fake.addUser(us);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      X_BEARER_TOKEN: fake.token,
      X_HANDLE: us.username,
      X_API_BASE_URL: fake.baseUrl,
      X_CLIENT_ID: fake.oauthClient.id,
      TRIAGE_SECRET_KEY: KEY,
      LOG_LEVEL: 'warn',
    };
  });
  afterEach(async () => {
    fake.onAccepted = undefined;
    await stopSpawned();
    await fake.stop();
    temp.cleanup();
  });

  /** The login `triage auth x` stores, and a guard-passed reply queued on every open alert. */
  async function connectAndQueue(): Promise<void> {
    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      const issued = fake.issueTokens(us.id);
      await store.oauthLogins.save('x', 'x', { userId: us.id, username: us.username, tokens: { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: Date.now() + 7200_000, scope: issued.scope.split(' ') } }, tokenSeal(KEY));
      for (const alert of await store.openAlerts(100)) {
        await store.replies.create({ alertId: alert.id, platform: 'x', account: alert.mention.account ?? null, text: `@${alert.mention.authorHandle} We are sorry for the trouble. Please send us a private message.`, author: '@kim', guard: { ok: true, problems: [] }, approval: { required: false }, sendKey: `key-${alert.id}`, now: Date.now() });
      }
    } finally {
      await store.close();
    }
  }

  it(`posts each of ${REPLIES} replies exactly once over a kill after every accepted write`, async () => {
    const posts = Array.from({ length: REPLIES }, (_, i) => {
      const author = fake.addUser({ id: String(700 + i), username: `pat${i}`, name: `Pat ${i}`, followers: 3 });
      return fake.addTweet({ text: `@RiverbendHealth my bill went to collections after insurance paid (${i})`, authorId: author.id });
    });
    const first = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(first.code, first.stderr).toBe(0);
    await connectAndQueue();

    let kills = 0;
    for (let run = 0; run < REPLIES * 2 && kills < REPLIES; run++) {
      let child: ChildProcess | undefined;
      // X has stored the reply; its answer never reaches the client, which dies now.
      fake.onAccepted = () => {
        fake.onAccepted = undefined;
        child?.kill('SIGKILL');
        kills++;
        return true;
      };
      const killed = await runCli(['poll', '--once'], { env, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 30_000 });
      expect(killed.code, killed.stderr).toBe(-1);
    }
    fake.onAccepted = undefined;
    expect(kills).toBe(REPLIES);
    const last = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(last.code, last.stderr).toBe(0);

    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      const drafts = store.db.prepare('SELECT state, remote_id AS remoteId FROM reply_drafts ORDER BY id').all() as Array<{ state: string; remoteId: string }>;
      expect(drafts.map((d) => d.state)).toEqual(Array(REPLIES).fill('sent'));
      expect(new Set(drafts.map((d) => d.remoteId))).toEqual(new Set(fake.repliesBy(us.id).map((t) => t.id)));
    } finally {
      await store.close();
    }
    expect(posts.map((post) => fake.repliesBy(us.id, post.id).length)).toEqual(Array(REPLIES).fill(1));
    // Every kill left a reply on X that the next run adopted instead of posting again.
    expect(fake.requestsTo('/2/tweets').filter((r) => r.method === 'POST')).toHaveLength(REPLIES);
  });
});
