import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { tokenSeal } from '../../src/store/oauth-logins.js';
import { ConfigError } from '../../src/util/errors.js';
import { summonsUs, xReplyTerms } from '../../src/sources/x/x-reply-rule.js';

describe('the sealed X tokens', () => {
  const seal = tokenSeal('k'.repeat(40));

  it('open only under the same key and for the same account, and never seal twice alike', () => {
    const sealed = seal.seal('{"accessToken":"at-1"}', 'x/system-x');
    expect(seal.open(sealed, 'x/system-x')).toBe('{"accessToken":"at-1"}');
    expect(seal.seal('{"accessToken":"at-1"}', 'x/system-x')).not.toBe(sealed);
    expect(() => seal.open(sealed, 'x/labs-x')).toThrow();
    expect(() => tokenSeal('z'.repeat(40)).open(sealed, 'x/system-x')).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => seal.open(`v1.${raw.toString('base64url')}`, 'x/system-x')).toThrow();
    expect(() => seal.open('not sealed', 'x/system-x')).toThrow();
  });
});

describe("X's reply rule", () => {
  it('counts a whole @handle in any case as summoning us, not a longer handle or an e-mail address', () => {
    expect(summonsUs('@RiverbendHealth my bill', 'RiverbendHealth')).toBe(true);
    expect(summonsUs('hey @riverbendhealth, help', 'RiverbendHealth')).toBe(true);
    expect(summonsUs('(@RIVERBENDHEALTH)', 'RiverbendHealth')).toBe(true);
    expect(summonsUs('@RiverbendHealthcare my bill', 'RiverbendHealth')).toBe(false);
    expect(summonsUs('write to billing@RiverbendHealth', 'RiverbendHealth')).toBe(false);
    expect(summonsUs('Riverbend Health lost my referral', 'RiverbendHealth')).toBe(false);
  });

  it('prices a reply to a post that summoned us at about $0.01 and offers any other only to copy', async () => {
    const logins = { identity: async () => ({ userId: '42', username: 'RiverbendHealth', expiresAt: 0, updatedAt: 0, revokedAt: null, revokedReason: null }) };
    expect(await xReplyTerms(logins, 'x', '@RiverbendHealth help')).toEqual({ copyOnly: false, notice: 'Sent as @RiverbendHealth; X charges about $0.01 for this reply (pay-per-use).' });
    const other = await xReplyTerms(logins, 'x', 'Riverbend Health help');
    expect(other).toMatchObject({ copyOnly: true });
    expect(other.notice).toContain('This post does not mention @RiverbendHealth: copy the text and reply on X yourself (about $0.015 a reply where X allows it).');
  });
});

describe('the X OAuth settings', () => {
  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('reads the client, its secret and the callback port, with X\'s consent page by default', () => {
    expect(loadConfig({ X_CLIENT_ID: 'abc', X_CLIENT_SECRET: 's3', X_CALLBACK_PORT: '8765' }).xOAuth).toEqual({ clientId: 'abc', clientSecret: 's3', callbackPort: 8765, authorizeUrl: 'https://x.com/i/oauth2/authorize', apiBaseUrl: 'https://api.x.com' });
    expect(loadConfig({}).xOAuth).toBeUndefined();
  });

  it('names the setting to fix: a secret without a client, a port that is not one', () => {
    expect(problemsOf({ X_CLIENT_SECRET: 's3' })).toEqual([expect.stringMatching(/^X_CLIENT_SECRET is set but X_CLIENT_ID is not/)]);
    expect(problemsOf({ X_CLIENT_ID: 'abc', X_CALLBACK_PORT: '99999' })).toEqual([expect.stringMatching(/^X_CALLBACK_PORT=99999: must be a port number/)]);
  });
});
