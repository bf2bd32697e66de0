import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/util/errors.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const KEY = 'x'.repeat(40);
const TEAMS = { TEAMS_WORKFLOW_URL: 'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s', PUBLIC_BASE_URL: 'https://triage.example.org/', TRIAGE_SECRET_KEY: KEY };
const OIDC = { OIDC_ISSUER: 'https://login.example.org/tenant/v2.0', OIDC_CLIENT_ID: 'triage', OIDC_CLIENT_SECRET: 'secret', PUBLIC_BASE_URL: 'https://triage.example.org', TRIAGE_SECRET_KEY: KEY, HTTP_PORT: '8080' };

describe('loadConfig: Teams and the web console', () => {
  it('reads Teams with the console address and the link key; the address loses its trailing slash', () => {
    const config = loadConfig(TEAMS);
    expect(config.teams).toEqual({ workflowUrl: TEAMS.TEAMS_WORKFLOW_URL });
    expect(config.publicBaseUrl).toBe('https://triage.example.org');
  });

  it('says what Teams is missing, one line each', () => {
    expect(problems({ TEAMS_WORKFLOW_URL: TEAMS.TEAMS_WORKFLOW_URL })).toEqual([
      expect.stringMatching(/^TEAMS_WORKFLOW_URL is set but PUBLIC_BASE_URL is not/),
      expect.stringMatching(/^TEAMS_WORKFLOW_URL is set but TRIAGE_SECRET_KEY is not: .*openssl rand -base64 32$/),
    ]);
    expect(problems({ ...TEAMS, TRIAGE_SECRET_KEY: 'short' })).toEqual([expect.stringMatching(/^TRIAGE_SECRET_KEY: too short/)]);
    expect(problems({ ...TEAMS, PUBLIC_BASE_URL: 'https://h.example/triage' })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL=https:\/\/h\.example\/triage: use the address alone, without a path \(e\.g\. https:\/\/h\.example\)/)]);
    expect(problems({ ...TEAMS, TEAMS_WORKFLOW_URL: 'not a url' })).toEqual([expect.stringMatching(/^TEAMS_WORKFLOW_URL=not a url: not an http\(s\) URL/)]);
  });

  it('takes Discord, Slack and Teams together', () => {
    expect(problems({ ...TEAMS, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01' })).toEqual([]);
    expect(problems({ ...TEAMS, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_ALERT_CHANNEL_ID: 'C0ALERTS01', DISCORD_TOKEN: 'tok', DISCORD_ALERT_CHANNEL_ID: '123456789012345678' })).toEqual([]);
  });

  it('reads the console settings, actor groups as a list', () => {
    expect(loadConfig({ ...OIDC, OIDC_ACTOR_GROUPS: 'triage-actors, leads' }).console).toEqual({
      issuer: OIDC.OIDC_ISSUER, clientId: 'triage', clientSecret: 'secret', actorGroups: ['triage-actors', 'leads'],
    });
  });

  it('says what the console is missing', () => {
    expect(problems({ OIDC_ISSUER: OIDC.OIDC_ISSUER })).toEqual([
      expect.stringMatching(/^The web console needs all of OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET; missing: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET/),
      expect.stringMatching(/^OIDC_ISSUER is set but PUBLIC_BASE_URL is not/),
      expect.stringMatching(/^OIDC_ISSUER is set but TRIAGE_SECRET_KEY is not/),
      expect.stringMatching(/^OIDC_ISSUER is set but HTTP_PORT is not/),
    ]);
    expect(problems({ OIDC_ACTOR_GROUPS: 'a' })).toEqual([expect.stringMatching(/^OIDC_ACTOR_GROUPS is set but OIDC_ISSUER is not/)]);
    expect(problems({ ...OIDC, OIDC_CLIENT_SECRET: 'a b' })).toEqual([expect.stringMatching(/^OIDC_CLIENT_SECRET: contains a space/)]);
  });
});
