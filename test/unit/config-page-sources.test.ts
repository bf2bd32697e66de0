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

const GOOGLE = {
  GOOGLE_ACCOUNT_ID: '107745212345678901234',
  GOOGLE_LOCATION_IDS: '4101, 4102',
  GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'GOCSPX-secret',
  GOOGLE_REFRESH_TOKEN: '1//refresh',
};

describe('loadConfig: Facebook and Google', () => {
  it('leaves both unconfigured by default', () => {
    const config = loadConfig({});
    expect(config.facebook).toBeUndefined();
    expect(config.google).toBeUndefined();
  });

  it('reads a Facebook page with the default Graph version and BACKFILL_HOURS', () => {
    const config = loadConfig({ FACEBOOK_PAGE_ID: '1500000000001', FACEBOOK_PAGE_TOKEN: 'EAAtoken', BACKFILL_HOURS: '48' });
    expect(config.facebook).toEqual({ pageId: '1500000000001', pageToken: 'EAAtoken', graphUrl: 'https://graph.facebook.com/v26.0', backfillHours: 48 });
  });

  it('names what is missing or wrong for Facebook', () => {
    expect(problems({ FACEBOOK_PAGE_TOKEN: 'EAAtoken' })).toEqual([expect.stringMatching(/^FACEBOOK_PAGE_TOKEN is set but FACEBOOK_PAGE_ID is not/)]);
    expect(problems({ FACEBOOK_PAGE_ID: 'riverbend' })).toEqual([
      expect.stringMatching(/^FACEBOOK_PAGE_ID=riverbend: must be the page's numeric id/),
      expect.stringMatching(/^FACEBOOK_PAGE_ID is set but FACEBOOK_PAGE_TOKEN is not/),
    ]);
    expect(problems({ FACEBOOK_PAGE_ID: '1', FACEBOOK_PAGE_TOKEN: 'EAA t' })[0]).toMatch(/^FACEBOOK_PAGE_TOKEN: contains a space/);
    expect(problems({ FACEBOOK_PAGE_ID: '1', FACEBOOK_PAGE_TOKEN: 't', FACEBOOK_GRAPH_URL: 'https://graph.facebook.com' })).toEqual([expect.stringMatching(/FACEBOOK_GRAPH_URL=.*must end with the Graph API version/)]);
  });

  it('reads Google reviews of several locations, with the default endpoints', () => {
    expect(loadConfig(GOOGLE).google).toEqual({
      accountId: '107745212345678901234',
      locationIds: ['4101', '4102'],
      clientId: 'id.apps.googleusercontent.com',
      clientSecret: 'GOCSPX-secret',
      refreshToken: '1//refresh',
      apiBaseUrl: 'https://mybusiness.googleapis.com',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      backfillHours: 24,
    });
  });

  it('lists every missing Google setting at once, and refuses prefixed ids with the bare number', () => {
    expect(problems({ GOOGLE_REFRESH_TOKEN: '1//refresh' })).toEqual([expect.stringMatching(/missing: GOOGLE_ACCOUNT_ID, GOOGLE_LOCATION_IDS, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET/)]);
    expect(problems({ ...GOOGLE, GOOGLE_ACCOUNT_ID: 'accounts/1077', GOOGLE_LOCATION_IDS: 'locations/4101' })).toEqual([
      expect.stringMatching(/^GOOGLE_ACCOUNT_ID=accounts\/1077: must be the bare account number, 1077/),
      expect.stringMatching(/^GOOGLE_LOCATION_IDS: "locations\/4101" is not a bare location number/),
    ]);
    expect(problems({ ...GOOGLE, GOOGLE_TOKEN_URL: 'oauth2.googleapis.com' })).toEqual([expect.stringMatching(/^GOOGLE_TOKEN_URL=.*not an http\(s\) URL/)]);
  });
});
