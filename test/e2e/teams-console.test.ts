import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { startBot } from '../helpers/bot.js';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { freePort, launchChromium, SECRET_KEY } from '../helpers/console-server.js';
import { tempDir } from '../helpers/setup.js';
import { TestIdentityProvider } from '../helpers/test-identity-provider.js';

/**
 * The issue's "done when", with the built CLI: `triage start` posts a card to "Teams" (the fake
 * Workflows endpoint), a person follows its Claim button in Chromium, signs in at the test
 * OpenID provider, confirms, and the alert is claimed in their name.
 */
describe('triage start with Teams and the web console', { timeout: 90_000 }, () => {
  let teams: FakeTeamsWorkflow;
  let idp: TestIdentityProvider;
  let temp: ReturnType<typeof tempDir>;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    teams = new FakeTeamsWorkflow();
    await teams.start();
    idp = new TestIdentityProvider({ ana: { name: 'Ana Lopez', groups: ['triage-actors'] } });
    temp = tempDir();
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await stopSpawned();
    await Promise.all([teams.stop(), idp.stop()]);
    temp.cleanup();
  });

  it('posts the card to Teams; its Claim button leads through sign-in to the alert, claimed in the person\'s name', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await idp.start(`${base}/console/callback`);
    const replay = join(temp.dir, 'one.jsonl');
    writeFileSync(replay, `${JSON.stringify({ platform: 'x', id: '1990000000000000001', author: { id: '7', handle: 'marisol_v', name: 'Marisol Vega', followers: 412 }, text: '@RiverbendHealth been on hold with central scheduling for 52 minutes, nobody answers the phone', created_at: new Date(Date.now() - 60_000).toISOString(), url: 'https://x.com/marisol_v/status/1990000000000000001' })}\n`);
    const db = join(temp.dir, 'triage.db');
    const env = {
        DATABASE_PATH: db,
        HTTP_PORT: String(port),
        TEAMS_WORKFLOW_URL: teams.url,
        PUBLIC_BASE_URL: base,
        TRIAGE_SECRET_KEY: SECRET_KEY,
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: idp.clientId,
        OIDC_CLIENT_SECRET: idp.clientSecret,
        OIDC_ACTOR_GROUPS: 'triage-actors',
    };
    const bot = startBot(['--replay', replay], { cwd: temp.dir, env });
    const ready = await bot.waitForLog((r) => r.msg === 'http listener ready: /healthz and /metrics', 'the listener');
    expect(ready).toMatchObject({ host: '127.0.0.1', port, also: '/console' });
    await teams.waitForPosts(1);

    const claim = teams.posts[0]!.card.actions!.find((a) => a.title === 'Claim')!.url;
    const { context, close } = await launchChromium();
    closers.push(close);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(claim);
    await page.fill('input[name="login"]', 'ana');
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([page.waitForURL(`${base}/console/alerts/1?do=claim`), page.click('button[type="submit"]')]);
    await Promise.all([page.waitForURL(/\?ok=claim$/), page.click('form.confirm button')]);

    const read = new Database(db, { readonly: true });
    try {
      expect(read.prepare('SELECT state, assignee FROM alerts WHERE id = 1').get()).toEqual({ state: 'claimed', assignee: 'Ana Lopez' });
      expect(read.prepare("SELECT actor, action FROM alert_events WHERE alert_id = 1").all()).toEqual([{ actor: 'Ana Lopez', action: 'claim' }]);
    } finally {
      read.close();
    }
    expect((await bot.stop()).code).toBe(0);

    // `triage doctor` checks the console's issuer and says which redirect URI to register.
    const doctor = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(doctor.stdout).toMatch(/^ok {3}Teams: TEAMS_WORKFLOW_URL set/m);
    expect(doctor.stdout).toContain(`console: ${idp.issuer} answers (sign-in at ${idp.issuer}/auth); register the redirect URI ${base}/console/callback`);
    await idp.stop();
    const down = await runCli(['doctor'], { env, cwd: temp.dir });
    expect(down.code).toBe(1);
    expect(down.stdout).toContain(`console: OIDC_ISSUER=${idp.issuer} does not answer OpenID discovery`);
  });
});
