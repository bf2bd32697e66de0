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

  it('needs nothing: the embedded default runs without any variable', () => {
    const config = loadConfig({});
    expect(config.databasePath).toMatch(/data[/\\]triage\.db$/);
    expect(config.x).toBeUndefined();
    expect(config.discord).toBeUndefined();
    expect(config.logLevel).toBe('info');
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

  it('serves /healthz and /metrics only when HTTP_PORT is set, on loopback unless HTTP_HOST says otherwise', () => {
    expect(loadConfig({}).http).toBeUndefined();
    expect(loadConfig({ HTTP_PORT: '9464' }).http).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ HTTP_PORT: '9464', HTTP_HOST: '0.0.0.0' }).http).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(problems({ HTTP_PORT: 'http' })).toEqual([expect.stringMatching(/^HTTP_PORT=http: must be a port number/)]);
    expect(problems({ HTTP_PORT: '70000' })).toEqual([expect.stringMatching(/^HTTP_PORT=70000: must be a port number/)]);
  });
});
