import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/setup.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('reads the Discord roles that may approve replies, and names a bad one', () => {
    const discord = { DISCORD_TOKEN: 'tok', DISCORD_ALERT_CHANNEL_ID: '700000000000000100' };
    expect(loadConfig({ ...discord, DISCORD_APPROVER_ROLE_IDS: '700000000000000201, 700000000000000202' }).discord?.approverRoleIds).toEqual(['700000000000000201', '700000000000000202']);
    expect(loadConfig(discord).discord?.approverRoleIds).toBeUndefined();
    expect(problems({ ...discord, DISCORD_APPROVER_ROLE_IDS: 'leads' })).toEqual(['DISCORD_APPROVER_ROLE_IDS: "leads" is not a role id (15–21 digits); list role ids separated by commas.']);
    expect(problems({ ...discord, DISCORD_APPROVER_ROLE_IDS: ' , ' })).toEqual([expect.stringMatching(/^DISCORD_APPROVER_ROLE_IDS lists no role id\./)]);
  });

  it('needs nothing: the embedded default runs without any variable', () => {
    const config = loadConfig({});
    expect(config.databasePath).toMatch(/data[/\\]triage\.db$/);
    expect(config.x).toBeUndefined();
    expect(config.discord).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('selects PostgreSQL with DATABASE_URL, ignoring DATABASE_PATH with one notice, and names DATABASE_URL when it is not a PostgreSQL URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://triage:s3cret@db.example.org:5432/triage', DATABASE_PATH: '/nonexistent/dir/x.db' });
    expect(config.databaseUrl).toBe('postgres://triage:s3cret@db.example.org:5432/triage');
    expect(config.storeNotice).toBe('DATABASE_URL is set: the PostgreSQL store is used and DATABASE_PATH is ignored.');
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/triage' }).storeNotice).toBeUndefined();
    for (const bad of ['mysql://db/triage', 'db.example.org:5432', 'postgres://:s3cret@/triage']) {
      const found = problems({ DATABASE_URL: bad });
      expect(found).toEqual([expect.stringMatching(/^DATABASE_URL: not a PostgreSQL URL\. Use postgres:\/\/USER:PASSWORD@HOST:5432\/DATABASE/)]);
      expect(found.join('')).not.toContain('s3cret');
    }
  });

  it('names DATABASE_PATH when its folder does not exist', () => {
    expect(problems({ DATABASE_PATH: '/nonexistent/dir/x.db' })).toEqual([
      expect.stringMatching(/^DATABASE_PATH=\/nonexistent\/dir\/x\.db: folder \/nonexistent\/dir does not exist\. Create it/),
    ]);
  });

  it('names DATABASE_PATH when it is a folder or not writable', () => {
    expect(problems({ DATABASE_PATH: temp.dir })[0]).toMatch(/DATABASE_PATH=.*is a folder/);
    const locked = join(temp.dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    if (process.getuid?.() !== 0) expect(problems({ DATABASE_PATH: join(locked, 'x.db') })[0]).toMatch(/not writable/);
  });

  it('lists every problem at once, each with its variable and a fix', () => {
    const found = problems({
      LOG_LEVEL: 'loud',
      X_POLL_CRON: 'every minute',
      X_API_BASE_URL: 'ftp://x',
      X_BEARER_TOKEN: 'abc',
      X_USER_ID: 'not-a-number',
      DISCORD_TOKEN: 'tok',
      DISCORD_ALERT_CHANNEL_ID: '12',
      X_MONTHLY_READ_BUDGET: '-5',
    });
    expect(found.map((p) => p.split(/[=: ]/)[0])).toEqual([
      'LOG_LEVEL', 'X_API_BASE_URL', 'X_POLL_CRON', 'X_USER_ID', 'X_MONTHLY_READ_BUDGET', 'DISCORD_ALERT_CHANNEL_ID',
    ]);
  });

  it('keeps posts 365 days by default, and takes RETENTION_DAYS as a whole number of days up to a century', () => {
    expect(loadConfig({}).retentionDays).toBe(365);
    expect(loadConfig({ RETENTION_DAYS: '90' }).retentionDays).toBe(90);
    for (const bad of ['0', '-1', '30.5', 'a year', '0x10', '36501']) {
      expect(problems({ RETENTION_DAYS: bad }), bad).toEqual([`RETENTION_DAYS=${bad}: must be a whole number from 1 to 36,500, in decimal digits. Fix or unset RETENTION_DAYS.`]);
    }
  });

  it('asks for the account when X_BEARER_TOKEN is set alone', () => {
    expect(problems({ X_BEARER_TOKEN: 'abc' })).toEqual([expect.stringContaining('set X_HANDLE')]);
  });

  it('reads X and Discord settings when their credentials are set', () => {
    const config = loadConfig({
      X_BEARER_TOKEN: 'abc', X_HANDLE: '@RiverbendHealth', X_API_BASE_URL: 'http://127.0.0.1:9999/',
      DISCORD_TOKEN: 'tok', DISCORD_ALERT_CHANNEL_ID: '123456789012345678',
    });
    expect(config.x).toMatchObject({ bearerToken: 'abc', handle: 'RiverbendHealth', apiBaseUrl: 'http://127.0.0.1:9999', pollCron: '* * * * *', backfillHours: 24 });
    expect(config.discord).toMatchObject({ token: 'tok', alertChannelId: '123456789012345678', apiBaseUrl: 'https://discord.com/api' });
  });

  it('reads Slack settings when SLACK_BOT_TOKEN is set: Socket Mode, channels, groups, the API base with its slash', () => {
    expect(loadConfig({}).slack).toBeUndefined();
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A1-2-def', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01', SLACK_URGENT_CHANNEL_ID: 'G0PRIVATE1',
      SLACK_DIGEST_CHANNEL_ID: 'C0DIGEST01', SLACK_LEAD_USER_GROUP_ID: 'S0LEADS001', SLACK_ACTOR_USER_GROUP_IDS: 'S0ACTORS01, S0NURSES01', SLACK_API_URL: 'http://127.0.0.1:9999/api',
    });
    expect(config.slack).toEqual({
      botToken: 'xoxb-1-2-abc', appToken: 'xapp-1-A1-2-def', alertChannelId: 'C0ALERTS01', urgentChannelId: 'G0PRIVATE1', digestChannelId: 'C0DIGEST01',
      leadUserGroupId: 'S0LEADS001', actorUserGroupIds: ['S0ACTORS01', 'S0NURSES01'], stormThreshold: 20, apiUrl: 'http://127.0.0.1:9999/api/',
    });
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01' }).slack).toMatchObject({ apiUrl: 'https://slack.com/api/', actorUserGroupIds: [] });
  });

  it('names every wrong Slack setting and how to fix it', () => {
    const found = problems({
      SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_APP_TOKEN: 'xoxb-not-an-app-token', SLACK_ALERT_CHANNEL_ID: '#triage-alerts', SLACK_DIGEST_CHANNEL_ID: 'U0ANA00001',
      SLACK_LEAD_USER_GROUP_ID: '@leads', SLACK_ACTOR_USER_GROUP_IDS: 'S0ACTORS01,nurses', SLACK_API_URL: 'slack.com', SLACK_STORM_THRESHOLD: '0',
    });
    expect(found).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN: not a bot token \(it starts with xoxb-\)/),
      expect.stringMatching(/^SLACK_APP_TOKEN: not an app-level token \(it starts with xapp-\)\. Create one under Basic Information → App-Level Tokens/),
      expect.stringMatching(/^SLACK_ALERT_CHANNEL_ID=#triage-alerts: not a Slack channel id \(C… or G…/),
      expect.stringMatching(/^SLACK_DIGEST_CHANNEL_ID=U0ANA00001: not a Slack channel id/),
      expect.stringMatching(/^SLACK_LEAD_USER_GROUP_ID: "@leads" is not a Slack user group id \(S…/),
      expect.stringMatching(/^SLACK_ACTOR_USER_GROUP_IDS: "nurses" is not a Slack user group id/),
      expect.stringMatching(/^SLACK_STORM_THRESHOLD=0: must be a whole number from 1 to 1,000/),
      expect.stringMatching(/^SLACK_API_URL=slack.com: not an http\(s\) URL\. Use e\.g\. https:\/\/slack\.com\/api\//),
    ]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      expect.stringMatching(/^SLACK_BOT_TOKEN is set but SLACK_APP_TOKEN is not: Triage talks to Slack in Socket Mode/),
      expect.stringMatching(/^SLACK_BOT_TOKEN is set but SLACK_ALERT_CHANNEL_ID is not: .*\/invite @Triage/),
    ]);
    expect(problems({ SLACK_APP_TOKEN: 'xapp-1' })).toEqual([expect.stringMatching(/^SLACK_APP_TOKEN set but SLACK_BOT_TOKEN is not/)]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1 2', SLACK_APP_TOKEN: 'xapp-1', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01' })).toEqual([expect.stringMatching(/^SLACK_BOT_TOKEN: contains a space/)]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01', SLACK_ACTOR_USER_GROUP_IDS: ' , ' })).toEqual([expect.stringMatching(/^SLACK_ACTOR_USER_GROUP_IDS lists no user group id/)]);
  });

  it('takes Discord and Slack at once', () => {
    expect(problems({ DISCORD_TOKEN: 'tok', DISCORD_ALERT_CHANNEL_ID: '123456789012345678', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01' })).toEqual([]);
  });

  it('serves /healthz and /metrics only when HTTP_PORT is set, on loopback unless HTTP_HOST says otherwise', () => {
    expect(loadConfig({}).http).toBeUndefined();
    expect(loadConfig({ HTTP_PORT: '9464' }).http).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ HTTP_PORT: '9464', HTTP_HOST: '0.0.0.0' }).http).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(problems({ HTTP_PORT: 'http' })).toEqual([expect.stringMatching(/^HTTP_PORT=http: must be a port number/)]);
    expect(problems({ HTTP_PORT: '70000' })).toEqual([expect.stringMatching(/^HTTP_PORT=70000: must be a port number/)]);
  });
});
