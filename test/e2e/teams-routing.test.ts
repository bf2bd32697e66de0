import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { FakeTeamsWorkflow } from '../fakes/fake-teams-workflow.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/setup.js';

/**
 * `routing.teams` through the built CLI: an account's cards go to each of its own Workflows URLs
 * and everything else to TEAMS_WORKFLOW_URL; a URL throttled for longer than Triage waits gets its
 * card on the next run, and no URL ever gets one twice.
 */
describe('triage poll --once with several Teams URLs for an account', { timeout: 90_000 }, () => {
  let teams: FakeTeamsWorkflow;
  let mastodon: FakeMastodon;
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let replay: string;

  beforeEach(async () => {
    teams = new FakeTeamsWorkflow();
    mastodon = new FakeMastodon();
    await Promise.all([teams.start(), mastodon.start()]);
    temp = tempDir();
    const accounts = join(temp.dir, 'accounts.json');
    writeFileSync(accounts, JSON.stringify({ accounts: [
      { id: 'research-mastodon', platform: 'mastodon', name: 'Riverbend Research on Mastodon', url: mastodon.baseUrl, accessTokenEnv: 'RESEARCH_MASTODON_TOKEN', routing: { teams: [teams.urlOf('research-a'), teams.urlOf('research-b')] } },
    ] }));
    replay = join(temp.dir, 'replay.jsonl');
    writeFileSync(replay, `${JSON.stringify({ platform: 'x', id: '1980000000000000001', author: { id: '701', handle: 'pat_q' }, text: '@RiverbendHealth charged twice for the same visit, nobody calls back (replay)', created_at: new Date(Date.now() - 60_000).toISOString() })}\n`);
    env = {
      DATABASE_PATH: join(temp.dir, 'triage.db'),
      ACCOUNTS_PATH: accounts,
      RESEARCH_MASTODON_TOKEN: mastodon.token,
      TEAMS_WORKFLOW_URL: teams.urlOf('default'),
      PUBLIC_BASE_URL: 'http://127.0.0.1:9',
      TRIAGE_SECRET_KEY: 'test-secret-key-for-links-and-cookies-0123456789',
    };
  });
  afterEach(async () => {
    await Promise.all([teams.stop(), mastodon.stop()]);
    temp.cleanup();
  });

  const cardsTo = (flow: string) => teams.postsTo(flow).filter((p) => p.idempotencyKey?.startsWith('triage-alert-')).map((p) => (p.raw.includes('(replay)') ? 'replay' : p.raw.includes('(mastodon)') ? 'mastodon' : '?'));

  it('cards the account on each of its URLs and the rest on TEAMS_WORKFLOW_URL, each once, through a long throttle', async () => {
    const sam = mastodon.addAccount({ username: 'sam', displayName: 'Sam R', followers: 12 });
    mastodon.addStatus({ account: sam, content: '<p>@riverbend on hold for 40 minutes with billing, nobody calls back (mastodon)</p>' });
    teams.throttle(1, '3600', 'research-b');

    const first = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 60_000 });
    expect(first.stderr).not.toMatch(/TypeError|at .*\.js:\d+/);
    // research-b throttles: research-a has the card all the same; Teams then pauses (the replayed card waits its turn).
    expect({ a: cardsTo('research-a'), b: cardsTo('research-b') }).toEqual({ a: ['mastodon'], b: [] });

    const second = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    const third = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 60_000 });
    expect(third.code, third.stderr).toBe(0);
    expect({ a: cardsTo('research-a'), b: cardsTo('research-b'), default: cardsTo('default') }).toEqual({ a: ['mastodon'], b: ['mastodon'], default: ['replay'] });
  });

  it('refuses an account URL that is not https with one line naming the account and field, and no stack trace', async () => {
    writeFileSync(env.ACCOUNTS_PATH!, JSON.stringify({ accounts: [
      { id: 'research-mastodon', platform: 'mastodon', name: 'Research', url: mastodon.baseUrl, accessTokenEnv: 'RESEARCH_MASTODON_TOKEN', routing: { teams: ['http://flows.example.org/workflows/x?sig=leaked-sig'] } },
    ] }));
    const run = await runCli(['poll', '--once'], { env, cwd: temp.dir, timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/account "research-mastodon": routing\.teams\[0\]: must be an https:\/\/ URL/);
    expect(run.stderr).not.toContain('leaked-sig');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
