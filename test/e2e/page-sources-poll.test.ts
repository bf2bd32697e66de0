import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { FakeGoogle } from '../fakes/fake-google.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

const MINUTE = 60_000;

describe('triage poll --once against a fake Graph API and a fake Google Business Profile', () => {
  let facebook: FakeFacebook;
  let google: FakeGoogle;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    facebook = new FakeFacebook();
    google = new FakeGoogle();
    await Promise.all([facebook.start(), google.start()]);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      LOG_LEVEL: 'warn',
      FACEBOOK_PAGE_ID: facebook.page.id,
      FACEBOOK_PAGE_TOKEN: facebook.token,
      FACEBOOK_GRAPH_URL: facebook.baseUrl,
      GOOGLE_ACCOUNT_ID: google.accountId,
      GOOGLE_LOCATION_IDS: '4101,4102',
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_REFRESH_TOKEN: google.refreshToken,
      GOOGLE_API_BASE_URL: google.baseUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
    };
  });
  afterEach(async () => {
    await Promise.all([facebook.stop(), google.stop()]);
    temp.cleanup();
  });

  function rows<T = { n: number }>(sql: string): T[] {
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }

  it('cards a Facebook comment and a Google review, never the link spam, and nothing twice on the next run', async () => {
    const now = Date.now();
    const post = facebook.addPost({ message: 'Visiting hours change on Monday', createdAt: now - 60 * MINUTE });
    facebook.addComment({ postId: post.id, message: 'My mother was discharged without her medication list and nobody calls back', from: { id: '2600000000101', name: 'Pat Quinn' }, createdAt: now - 20 * MINUTE });
    facebook.addComment({ postId: post.id, message: 'Cheap wedding photography in Bali! Visit www.bestphoto-bali.example', from: { id: '2600000000199', name: 'Promo Page' }, createdAt: now - 10 * MINUTE });
    const review = google.addReview({ starRating: 'ONE', comment: 'Waited five hours in the ER and the bill was wrong', displayName: 'Sam Rivera', createdAt: now - 30 * MINUTE });

    const first = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(first.stderr).toMatch(/triage poll: 3 read, 3 new, 0 duplicates, 2 alerts, 2 posted, 0 answered on the platform/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Pat Quinn.* · facebook · /);
    expect(first.stdout).toMatch(/Sam Rivera.* · google · /);
    expect(first.stdout).toContain('★☆☆☆☆ Waited five hours in the ER');
    expect(first.stdout).not.toContain('wedding photography');
    expect(rows<{ platform: string; n: number }>('SELECT platform, COUNT(*) AS n FROM mentions GROUP BY platform ORDER BY platform')).toEqual([{ platform: 'facebook', n: 2 }, { platform: 'google', n: 1 }]);

    google.reply(review, 'We are sorry. Please call our patient advocate. The Riverbend team', Date.now());
    const second = await runCli(['poll', '--once'], { env, cwd: temp.dir });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/triage poll: \d+ read, 0 new, \d+ duplicates, 0 alerts, \d+ posted, 1 answered on the platform/);
    expect(rows("SELECT COUNT(*) AS n FROM alerts WHERE state = 'responded' AND responded_by = 'google:reply'")).toEqual([{ n: 1 }]);
    expect(rows('SELECT COUNT(*) AS n FROM mentions')).toEqual([{ n: 3 }]);
  });

  it('doctor checks the page token and each location, and names the wrong credential', async () => {
    const ok = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(ok.stdout).toMatch(/^ok +Facebook: .* accepts the page token; watching Riverbend Health \(id 1500000000001\)$/m);
    expect(ok.stdout).toMatch(/^ok +Google: reviews of location 4101 readable \(0 reviews\)$/m);
    expect(ok.code).toBe(0);

    const bad = await runCli(['doctor'], { env: { ...env, FACEBOOK_PAGE_TOKEN: 'EAAnope', GOOGLE_REFRESH_TOKEN: '1//nope', GOOGLE_LOCATION_IDS: '4101' }, cwd: temp.dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL Facebook: Facebook rejected the page token .*Check FACEBOOK_PAGE_TOKEN/m);
    expect(bad.stdout).toMatch(/^FAIL Google: Google refused the refresh token \(invalid_grant.*GOOGLE_REFRESH_TOKEN/m);
    expect(bad.stdout).not.toMatch(/EAAnope|1\/\/nope/);
  });

  it('doctor checks every account of data/accounts.json and names a wrong credential by account and variable', async () => {
    const accounts = join(temp.dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({ accounts: [
      { id: 'foundation-fb', platform: 'facebook', name: 'Riverbend Foundation', pageId: facebook.page.id, pageTokenEnv: 'FOUNDATION_FB_TOKEN' },
      { id: 'north-google', platform: 'google', name: 'Riverbend North', accountId: google.accountId, locationIds: ['4101'], clientIdEnv: 'NORTH_CLIENT_ID', clientSecretEnv: 'NORTH_CLIENT_SECRET', refreshTokenEnv: 'NORTH_REFRESH_TOKEN', apiBaseUrl: google.baseUrl, tokenUrl: google.tokenUrl },
    ] }));
    const accountsEnv = { ...env, ACCOUNTS_PATH: accounts, FOUNDATION_FB_TOKEN: 'EAAwrong', NORTH_CLIENT_ID: google.clientId, NORTH_CLIENT_SECRET: google.clientSecret, NORTH_REFRESH_TOKEN: '1//revoked' };
    const result = await runCli(['doctor'], { env: accountsEnv, cwd: temp.dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL Facebook account "foundation-fb": Facebook rejected the page token .*Check FOUNDATION_FB_TOKEN/m);
    expect(result.stdout).toMatch(/^FAIL Google account "north-google": Google refused the refresh token .*NORTH_REFRESH_TOKEN/m);
    // The one-account settings beside the file are still checked as before.
    expect(result.stdout).toMatch(/^ok +Facebook: .* accepts the page token/m);
    expect(result.stdout).not.toMatch(/EAAwrong|1\/\/revoked/);
  });
});
