import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeBluesky } from '../fakes/fake-bluesky.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

describe('triage poll --once against a fake Bluesky and a fake Mastodon', () => {
  let bluesky: FakeBluesky;
  let mastodon: FakeMastodon;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    bluesky = new FakeBluesky();
    mastodon = new FakeMastodon();
    await Promise.all([bluesky.start(), mastodon.start()]);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      BLUESKY_HANDLE: bluesky.me.handle,
      BLUESKY_APP_PASSWORD: bluesky.appPassword,
      BLUESKY_SERVICE: bluesky.baseUrl,
      MASTODON_URL: mastodon.baseUrl,
      MASTODON_ACCESS_TOKEN: mastodon.token,
      LOG_LEVEL: 'warn',
    };
  });
  afterEach(async () => {
    await Promise.all([bluesky.stop(), mastodon.stop()]);
    temp.cleanup();
  });

  function query<T>(sql: string): T[] {
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  it('stores the mentions of both, shows their cards, and marks a reply on the platform as the response', async () => {
    const pat = bluesky.addAccount({ handle: 'pat.bsky.social', displayName: 'Pat Q' });
    const sam = mastodon.addAccount({ username: 'sam', displayName: 'Sam R', followers: 12 });
    const skeet = bluesky.addPost({ author: pat, text: `@${bluesky.me.handle} my bill went to collections after insurance paid` });
    const toot = mastodon.addStatus({ account: sam, content: '<p>@riverbend on hold for 40 minutes with billing, again &amp; again</p>' });

    const first = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(first.stderr).toMatch(/triage poll: 2 read, 2 new, 0 duplicates, \d+ alerts, \d+ posted, 0 answered on the platform/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('on hold for 40 minutes with billing, again & again');
    expect(first.stdout).toContain('my bill went to collections');
    expect(query<{ platform: string; n: number }>('SELECT platform, COUNT(*) AS n FROM mentions GROUP BY platform ORDER BY platform')).toEqual([{ platform: 'bluesky', n: 1 }, { platform: 'mastodon', n: 1 }]);

    bluesky.addPost({ author: bluesky.me, text: '@pat.bsky.social we are sorry, please DM us', replyTo: skeet.uri });
    mastodon.addStatus({ account: mastodon.me, content: '<p>@sam sorry about the wait, we will call you</p>', inReplyToId: toot.id });
    const second = await runCli(['poll', '--once'], { env, cwd: temp.dir });
    expect(second.stderr).toMatch(/triage poll: 0 read, 0 new, 0 duplicates, 0 alerts, \d+ posted, 2 answered on the platform/);
    // The second run resumed the stored Bluesky session instead of logging in again.
    expect(bluesky.sessionsCreated).toBe(1);
    expect(query<{ n: number }>("SELECT COUNT(*) AS n FROM alerts WHERE state = 'responded' AND responded_by IN ('bluesky:reply', 'mastodon:reply')")[0]!.n).toBe(
      query<{ n: number }>('SELECT COUNT(*) AS n FROM alerts')[0]!.n,
    );
  });

  it('doctor checks both accounts and names the setting that is wrong', async () => {
    const ok = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(ok.stdout).toMatch(/^ok +Bluesky: http:\/\/127\.0\.0\.1:\d+ accepts BLUESKY_APP_PASSWORD; watching @riverbend\.bsky\.social \(did:plc:[a-z2-7]{24}\)$/m);
    expect(ok.stdout).toMatch(/^ok +Mastodon: http:\/\/127\.0\.0\.1:\d+ accepts MASTODON_ACCESS_TOKEN; watching @riverbend \(id \d+\); statuses up to 500 characters$/m);
    expect(ok.code).toBe(0);

    const bad = await runCli(['doctor'], { env: { ...env, BLUESKY_APP_PASSWORD: 'nope-nope-nope-nope', MASTODON_ACCESS_TOKEN: 'wrong-token' }, cwd: temp.dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL Bluesky: Bluesky rejected the login .*401.*Check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD/m);
    expect(bad.stdout).toMatch(/^FAIL Mastodon: Mastodon rejected MASTODON_ACCESS_TOKEN .*401 The access token is invalid/m);
    expect(bad.stdout).not.toContain('nope-nope');
    expect(bad.stdout).not.toContain('wrong-token');
  });

  it('refuses settings that cannot work, each with its fix', async () => {
    const run = await runCli(['doctor'], { env: { ...env, BLUESKY_HANDLE: 'riverbend', MASTODON_URL: 'https://mastodon.social/@riverbend', BACKFILL_HOURS: '1e3', BLUESKY_APP_PASSWORD: '' }, cwd: temp.dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/BLUESKY_HANDLE=riverbend: not a Bluesky handle\. Use the full handle/);
    expect(run.stdout).toMatch(/BLUESKY_HANDLE is set but BLUESKY_APP_PASSWORD is not/);
    expect(run.stdout).toMatch(/MASTODON_URL=https:\/\/mastodon\.social\/@riverbend: use the instance's address alone/);
    expect(run.stdout).toMatch(/BACKFILL_HOURS=1e3: must be a whole number/);
  });
});
