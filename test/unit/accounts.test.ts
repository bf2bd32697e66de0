import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountDirectory, sourceNameOf } from '../../src/accounts.js';
import { channelFor } from '../../src/chat/chat.js';
import { routeOf } from '../../src/chat/recover-sends.js';
import { loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { ConfigError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/setup.js';

const FOUNDATION_FB = { id: 'foundation-fb', platform: 'facebook', name: 'Riverbend Foundation on Facebook', brand: 'Riverbend Foundation', pageId: '1500000000002', pageTokenEnv: 'FOUNDATION_FB_TOKEN', routing: { alerts: '111111111111111111', urgent: '222222222222222222' } };
const NORTH_GOOGLE = { id: 'north-google', platform: 'google', name: 'Riverbend North reviews', accountId: '107745212345678901234', locationIds: ['4201', '4202'], clientIdEnv: 'NORTH_GOOGLE_CLIENT_ID', clientSecretEnv: 'NORTH_GOOGLE_CLIENT_SECRET', refreshTokenEnv: 'NORTH_GOOGLE_REFRESH_TOKEN' };
const SECRETS = { FOUNDATION_FB_TOKEN: 'EAAfoundation', NORTH_GOOGLE_CLIENT_ID: 'north.apps.googleusercontent.com', NORTH_GOOGLE_CLIENT_SECRET: 'GOCSPX-north', NORTH_GOOGLE_REFRESH_TOKEN: '1//north' };

describe('accounts: data/accounts.json beside the one-account settings', () => {
  let temp: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    temp = tempDir();
    path = join(temp.dir, 'accounts.json');
  });
  afterEach(() => temp.cleanup());

  const write = (value: unknown) => writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  function problems(env: Record<string, string>): string[] {
    try {
      loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ...env });
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    return [];
  }

  it('without the file, the one-account settings are one account per platform, polled under the platform\'s name as before', () => {
    const config = loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ACCOUNTS_PATH: '', X_BEARER_TOKEN: 'AAAA', X_HANDLE: 'RiverbendHealth', FACEBOOK_PAGE_ID: '1500000000001', FACEBOOK_PAGE_TOKEN: 'EAAtoken' });
    expect(config.accounts.map((a) => [a.id, a.platform, sourceNameOf(a), a.fromFile])).toEqual([['x', 'x', 'x', false], ['facebook', 'facebook', 'facebook', false]]);
    expect(config.accounts[0]!.config).toBe(config.x);
    expect(config.accounts[1]!.name).toBe('Facebook page 1500000000001');
  });

  it('reads several accounts, their secrets from the variables they name, base URLs from the platform settings', () => {
    write({ accounts: [FOUNDATION_FB, { ...FOUNDATION_FB, id: 'north-fb', name: 'Riverbend North', pageId: '1500000000003', pageTokenEnv: 'NORTH_FB_TOKEN', routing: undefined }, NORTH_GOOGLE] });
    const config = loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ACCOUNTS_PATH: path, FACEBOOK_GRAPH_URL: 'http://127.0.0.1:9/v26.0', ...SECRETS, NORTH_FB_TOKEN: 'EAAnorth', FACEBOOK_PAGE_ID: '1500000000001', FACEBOOK_PAGE_TOKEN: 'EAAmain' });
    expect(config.accounts.map((a) => sourceNameOf(a))).toEqual(['facebook:foundation-fb', 'facebook:north-fb', 'google:north-google', 'facebook']);
    const [foundation, north, google] = config.accounts;
    expect(foundation).toMatchObject({ platform: 'facebook', brand: 'Riverbend Foundation', config: { pageId: '1500000000002', pageToken: 'EAAfoundation', graphUrl: 'http://127.0.0.1:9/v26.0', backfillHours: 24 } });
    expect(foundation!.routing).toEqual({ alertChannelId: '111111111111111111', urgentChannelId: '222222222222222222' });
    expect(north!.routing).toEqual({});
    expect(google).toMatchObject({ config: { locationIds: ['4201', '4202'], clientSecret: 'GOCSPX-north', refreshToken: '1//north', apiBaseUrl: 'https://mybusiness.googleapis.com' } });
    const directory = accountDirectory(config.accounts);
    expect(directory.labelOf('foundation-fb')).toBe('Riverbend Foundation on Facebook');
    expect(directory.labelOf('facebook')).toBeUndefined();
    expect(directory.routingOf('foundation-fb').alertChannelId).toBe('111111111111111111');
  });

  it('routes an account per chat: routing.discord and routing.slack first, plain channels only in the chat they belong to', () => {
    const both = { ...FOUNDATION_FB, routing: { alerts: '111111111111111111', slack: { alerts: 'C0FOUNDATN', urgent: 'C0FOUNDURG' } } };
    write({ accounts: [both] });
    const config = loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ACCOUNTS_PATH: path, ...SECRETS });
    const deps = { accounts: accountDirectory(config.accounts) };
    expect(routeOf(deps, 'foundation-fb', 'discord')).toEqual({ route: { alertChannelId: '111111111111111111' } });
    expect(routeOf(deps, 'foundation-fb', 'slack')).toEqual({ route: { alertChannelId: 'C0FOUNDATN', urgentChannelId: 'C0FOUNDURG' } });
    write({ accounts: [FOUNDATION_FB] });
    const plain = { accounts: accountDirectory(loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ACCOUNTS_PATH: path, ...SECRETS }).accounts) };
    // A Discord channel id never reaches Slack.
    expect(routeOf(plain, 'foundation-fb', 'slack')).toEqual({});
    expect(routeOf(plain, 'foundation-fb', 'discord')).toEqual({ route: { alertChannelId: '111111111111111111', urgentChannelId: '222222222222222222' } });
    write({ accounts: [{ ...FOUNDATION_FB, routing: { slack: { alerts: '111111111111111111x' } } }] });
    expect(problems({ ACCOUNTS_PATH: path, ...SECRETS })).toEqual([expect.stringMatching(/routing\.slack\.alerts: must be a Discord channel id/)]);
  });

  it('gives an account Teams Workflows URLs of its own (routing.teams: one or several), each checked with a line naming the account and field', () => {
    const TEAMS = { TEAMS_WORKFLOW_URL: 'https://prod-00.westeurope.logic.azure.com/workflows/default/triggers/manual/paths/invoke?sig=d', PUBLIC_BASE_URL: 'https://triage.example.org', TRIAGE_SECRET_KEY: 'k'.repeat(40) };
    const a = 'https://prod-01.westeurope.logic.azure.com/workflows/a/triggers/manual/paths/invoke?sig=a';
    const b = 'https://prod-02.westeurope.logic.azure.com/workflows/b/triggers/manual/paths/invoke?sig=b';
    write({ accounts: [{ ...FOUNDATION_FB, routing: { teams: [a, b, a] } }, { ...NORTH_GOOGLE, routing: { teams: b } }] });
    const config = loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ACCOUNTS_PATH: path, ...SECRETS, ...TEAMS });
    expect(config.accounts.map((x) => x.routing.teamsWorkflowUrls)).toEqual([[a, b], [b]]);
    expect(config.teams).toEqual({ workflowUrl: TEAMS.TEAMS_WORKFLOW_URL });

    write({ accounts: [{ ...FOUNDATION_FB, routing: { teams: [a, 'http://flow.example.org/workflows/x?sig=secret-sig', 'not a url'] } }, { ...NORTH_GOOGLE, routing: { teams: [] } }] });
    const found = problems({ ACCOUNTS_PATH: path, ...SECRETS, ...TEAMS });
    expect(found).toEqual([
      `${path}: account "foundation-fb": routing.teams[1]: must be an https:// URL (plain http only to this machine); copy the URL of the workflow's "When a Teams webhook request is received" trigger (https://…) again.`,
      `${path}: account "foundation-fb": routing.teams[2]: is not a URL; copy the URL of the workflow's "When a Teams webhook request is received" trigger (https://…) again.`,
      expect.stringMatching(/accounts\.1\.routing\.teams: .*lists no URL/),
    ]);
    // The signature in a Workflows URL is a secret: never repeated.
    expect(found.join(' ')).not.toContain('secret-sig');

    write({ accounts: [{ ...FOUNDATION_FB, routing: { teams: a } }] });
    expect(problems({ ACCOUNTS_PATH: path, ...SECRETS, PUBLIC_BASE_URL: TEAMS.PUBLIC_BASE_URL, TRIAGE_SECRET_KEY: TEAMS.TRIAGE_SECRET_KEY })).toEqual([
      expect.stringMatching(/account "foundation-fb": routing\.teams is set but TEAMS_WORKFLOW_URL is not: set TEAMS_WORKFLOW_URL/),
    ]);
  });

  it('names the unset variable, the pasted secret, a twice-used id and a stray field, one line each', () => {
    write({ accounts: [{ ...FOUNDATION_FB, pageTokenEnv: 'EAAB1x9kZCpasted-real-token' }, { ...FOUNDATION_FB, extra: 1 }, NORTH_GOOGLE, NORTH_GOOGLE] });
    const found = problems({ ACCOUNTS_PATH: path });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/accounts\.0\.pageTokenEnv: must be the NAME of an environment variable .*never the secret itself/),
      expect.stringMatching(/accounts\.1: Unrecognized key: "extra"/),
      expect.stringMatching(/accounts\.3\.id: "north-google" is used by two accounts/),
    ]));
    expect(found.every((p) => !p.includes('\n'))).toBe(true);
    expect(found.join(' ')).not.toContain('EAAB1x9kZCpasted-real-token'.slice(8));

    write({ accounts: [FOUNDATION_FB] });
    expect(problems({ ACCOUNTS_PATH: path })).toEqual([`${path}: account "foundation-fb": FOUNDATION_FB_TOKEN (its pageTokenEnv) is not set. Set FOUNDATION_FB_TOKEN in the environment to the account's secret.`]);
  });

  it('refuses a missing file that ACCOUNTS_PATH names, an id the environment\'s shorthand uses, and bad JSON', () => {
    expect(problems({ ACCOUNTS_PATH: join(temp.dir, 'nope.json') })).toEqual([expect.stringMatching(/^ACCOUNTS_PATH=.*nope\.json: file not found/)]);
    write({ accounts: [{ ...FOUNDATION_FB, id: 'facebook' }] });
    expect(problems({ ACCOUNTS_PATH: path, ...SECRETS, FACEBOOK_PAGE_ID: '1500000000001', FACEBOOK_PAGE_TOKEN: 'EAAmain' })).toEqual([expect.stringMatching(/account "facebook": that id is taken by the one-account Facebook settings/)]);
    write('{ "accounts": [');
    expect(problems({ ACCOUNTS_PATH: path })).toEqual([expect.stringMatching(/accounts\.json: not valid JSON/)]);
  });

  it('accepts the shipped example file once its variables are set', () => {
    const names = ['RIVERBEND_X_BEARER_TOKEN', 'FOUNDATION_FB_PAGE_TOKEN', 'NORTH_GOOGLE_CLIENT_ID', 'NORTH_GOOGLE_CLIENT_SECRET', 'NORTH_GOOGLE_REFRESH_TOKEN', 'RESEARCH_BSKY_APP_PASSWORD', 'RESEARCH_MASTODON_TOKEN'];
    const env = Object.fromEntries(names.map((n) => [n, `secret-of-${n.toLowerCase()}`]));
    const config = loadConfig({ DATABASE_PATH: join(temp.dir, 't.db'), ACCOUNTS_PATH: join(PROJECT_ROOT, 'data', 'accounts.example.json'), ...env });
    expect(config.accounts.map((a) => a.platform)).toEqual(['x', 'facebook', 'google', 'bluesky', 'mastodon']);
    expect(config.x).toBeUndefined();
  });

  it('sends an account\'s cards to its channels, critical ones to its urgent channel, and others to the chat\'s own', () => {
    const chat = { alertChannelId: 'A', urgentChannelId: 'U' };
    expect(channelFor({ urgency: 'normal' }, undefined, chat)).toBe('A');
    expect(channelFor({ urgency: 'critical' }, undefined, chat)).toBe('U');
    expect(channelFor({ urgency: 'normal' }, { alertChannelId: 'FA' }, chat)).toBe('FA');
    expect(channelFor({ urgency: 'critical' }, { alertChannelId: 'FA' }, chat)).toBe('FA');
    expect(channelFor({ urgency: 'critical' }, { alertChannelId: 'FA', urgentChannelId: 'FU' }, chat)).toBe('FU');
  });
});
