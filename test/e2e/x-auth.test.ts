import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenSeal } from '../../src/store/oauth-logins.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';
import { waitForOutput } from '../helpers/wait-for-output.js';

const KEY = 'test-secret-key-of-at-least-32-characters';

/** A port free on 127.0.0.1 a moment ago (the OS hands out another for listen(0) meanwhile). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * `triage auth x` as a person runs it: the built CLI prints the callback URL and the consent link;
 * the test "opens" the link (the fake X consents and redirects to the local callback), and the
 * tokens land in the database sealed, usable against the fake.
 */
describe('triage auth x (the built CLI against the fake X)', { timeout: 60_000 }, () => {
  let fake: FakeXApi;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  const me = { id: '4200', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 9000 };

  beforeEach(async () => {
    fake = new FakeXApi();
    await fake.start();
    fake.addUser(me);
    temp = tempDir();
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      X_API_BASE_URL: fake.baseUrl,
      X_AUTHORIZE_URL: `${fake.baseUrl}/i/oauth2/authorize`,
      X_CLIENT_ID: fake.oauthClient.id,
      TRIAGE_SECRET_KEY: KEY,
    };
  });
  afterEach(async () => {
    await stopSpawned();
    await fake.stop();
    temp.cleanup();
  });

  /** Runs the command, opens the link it prints once it prints it, and returns how it ended. */
  async function consent(extraEnv: Record<string, string> = {}, args: string[] = []) {
    let child: ChildProcess | undefined;
    const run = runCli(['auth', 'x', ...args], { env: { ...env, ...extraEnv }, cwd: temp.dir, onSpawn: (c) => (child = c), timeoutMs: 30_000 });
    const printed = await waitForOutput(child!, /^http:\/\/127\.0\.0\.1:\d+\/i\/oauth2\/authorize\?/, { stream: 'stdout' });
    const link = printed.split('\n').find((line) => line.includes('/i/oauth2/authorize?'))!;
    const page = await fetch(link);
    return { result: await run, link: new URL(link), page: { status: page.status, text: await page.text() }, printed };
  }

  it('runs the PKCE consent through the local callback and stores the tokens sealed, for the account that consented', async () => {
    fake.consent = { userId: me.id };
    const { result, link, page, printed } = await consent();
    expect(result.code, result.stderr).toBe(0);
    expect(printed).toMatch(/^Callback URL .*: http:\/\/127\.0\.0\.1:\d+\/callback$/m);
    expect(link.searchParams.get('scope')).toBe('tweet.read tweet.write users.read offline.access');
    expect(link.searchParams.get('code_challenge_method')).toBe('s256');
    expect(link.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(page).toMatchObject({ status: 200, text: expect.stringContaining('X is connected') });
    expect(result.stdout).toContain('Connected: replies on X go out as @RiverbendHealth (account x)');
    // The code was exchanged with the verifier the fake checked against the challenge.
    expect(fake.requestsTo('/2/oauth2/token').map((r) => r.body?.grant_type)).toEqual(['authorization_code']);

    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      const [row] = store.db.prepare('SELECT * FROM oauth_logins').all() as Array<Record<string, string>>;
      const login = await store.oauthLogins.load('x', 'x', tokenSeal(KEY));
      expect(login).toMatchObject({ userId: me.id, username: me.username, revokedAt: null, tokens: { refreshToken: expect.stringMatching(/^rt-/), scope: expect.arrayContaining(['offline.access']) } });
      expect(JSON.stringify(row)).not.toContain(login!.tokens.accessToken);
      expect(JSON.stringify(row)).not.toContain(login!.tokens.refreshToken);
      // The stored access token works in user context.
      const check = await fetch(`${fake.baseUrl}/2/users/me`, { headers: { authorization: `Bearer ${login!.tokens.accessToken}` } });
      expect(((await check.json()) as { data: { username: string } }).data.username).toBe(me.username);
    } finally {
      await store.close();
    }
  });

  it('listens on X_CALLBACK_PORT when set, and saves nothing when the person denies access', async () => {
    fake.consent = 'deny';
    const port = await freePort();
    const { result, link, page } = await consent({ X_CALLBACK_PORT: String(port) });
    expect(link.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    expect(page.text).toContain('did not grant access');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual(['triage: X did not grant access (access_denied). Run `triage auth x` again and choose "Authorize app".']);
    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      expect(await store.oauthLogins.identity('x', 'x')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('asks which account when the accounts file names several X accounts, and refuses a consent by another account', async () => {
    const labs = fake.addUser({ id: '4300', username: 'RiverbendLabs', name: 'Riverbend Labs', followers: 10 });
    const accounts = join(temp.dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({ accounts: [
      { id: 'system-x', platform: 'x', name: 'Riverbend Health on X', handle: me.username, bearerTokenEnv: 'SYSTEM_X_TOKEN' },
      { id: 'labs-x', platform: 'x', name: 'Riverbend Labs on X', handle: labs.username, bearerTokenEnv: 'LABS_X_TOKEN' },
    ] }));
    const withAccounts = { ACCOUNTS_PATH: accounts, SYSTEM_X_TOKEN: fake.token, LABS_X_TOKEN: fake.token };
    const ask = await runCli(['auth', 'x'], { env: { ...env, ...withAccounts }, cwd: temp.dir });
    expect(ask.code).toBe(2);
    expect(ask.stderr).toBe('triage auth x: several X accounts are configured: choose one with --account (system-x, labs-x).\n');

    fake.consent = { userId: me.id };
    const wrong = await consent(withAccounts, ['--account', 'labs-x']);
    expect(wrong.result.code).toBe(1);
    expect(wrong.result.stderr).toContain('X signed in @RiverbendHealth, but account "labs-x" is @RiverbendLabs: nothing was saved.');

    fake.consent = { userId: labs.id };
    const right = await consent(withAccounts, ['--account', 'labs-x']);
    expect(right.result.code, right.result.stderr).toBe(0);
    const store = new SqliteStore(env.DATABASE_PATH!);
    try {
      expect(await store.oauthLogins.identity('x', 'labs-x')).toMatchObject({ userId: labs.id, username: labs.username });
      expect(await store.oauthLogins.identity('x', 'system-x')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it.each([
    ['no TRIAGE_SECRET_KEY', { TRIAGE_SECRET_KEY: '' }, /^triage auth x: TRIAGE_SECRET_KEY is not set: it encrypts the X tokens/],
    ['a short TRIAGE_SECRET_KEY', { TRIAGE_SECRET_KEY: 'short' }, /^triage auth x: TRIAGE_SECRET_KEY: too short/],
    ['no X_CLIENT_ID', { X_CLIENT_ID: '' }, /^triage auth x: X_CLIENT_ID is not set: copy the OAuth 2.0 Client ID/],
  ])('stops with one line naming the setting and exit 2 on %s', async (_, overrides, line) => {
    const result = await runCli(['auth', 'x'], { env: { ...env, ...overrides }, cwd: temp.dir });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(fake.requests).toHaveLength(0);
  });
});
