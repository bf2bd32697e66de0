import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import { tokenSeal } from '../store/oauth-logins.js';
import { runXConsent } from '../sources/x/x-oauth.js';
import { ConfigError } from '../util/errors.js';
import type { CommandIo } from './command.js';

const KEY_HINT = 'Make one with: openssl rand -base64 32';

/**
 * `triage auth x [--account ID]`: the consent for replies on X in user context. Prints the callback
 * URL to register and the link to open, waits for X to call back on 127.0.0.1, and stores the
 * tokens in the database sealed with TRIAGE_SECRET_KEY, under the X account of the accounts file
 * (`--account` when it names several), or the one-account settings' `x`.
 */
export async function authCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { account: { type: 'string' } } });
  if (positionals[0] !== 'x' || positionals.length > 1) {
    io.stderr.write('usage: triage auth x [--account ID]   (X is the one platform that needs a consent in the browser)\n');
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(io.env, io.cwd);
  } catch (error) {
    // One problem is one line; several are listed as every command lists them.
    if (error instanceof ConfigError && error.problems.length === 1) return usage(io, error.problems[0]!);
    throw error;
  }
  if (config.secretKey === undefined) return usage(io, `TRIAGE_SECRET_KEY is not set: it encrypts the X tokens stored in the database. ${KEY_HINT}`);
  if (config.xOAuth === undefined) return usage(io, 'X_CLIENT_ID is not set: copy the OAuth 2.0 Client ID from the X developer portal (your App → Keys and tokens), and X_CLIENT_SECRET too for a confidential client.');
  const xAccounts = config.accounts.filter((a) => a.platform === 'x');
  let account: (typeof xAccounts)[number] | undefined;
  if (values.account !== undefined) {
    account = xAccounts.find((a) => a.id === values.account);
    if (!account) return usage(io, `--account ${values.account}: no X account has that id (X accounts: ${xAccounts.map((a) => a.id).join(', ') || 'none'}).`);
  } else if (xAccounts.length > 1) {
    return usage(io, `several X accounts are configured: choose one with --account (${xAccounts.map((a) => a.id).join(', ')}).`);
  } else {
    account = xAccounts[0];
  }
  const accountId = account?.id ?? 'x';
  const expected = account?.platform === 'x' ? account.config.handle : undefined;

  const consent = await runXConsent({
    oauth: config.xOAuth,
    signal: io.signal,
    now: Date.now,
    onLink: ({ url, redirectUri }) => {
      io.stdout.write(`Callback URL (register it in the X developer portal, App → User authentication settings): ${redirectUri}\n`);
      io.stdout.write(`Open this link in a browser signed in to X${expected ? ` as @${expected}` : ''} and authorize the app:\n${url}\n`);
    },
  });
  if (expected !== undefined && consent.username.toLowerCase() !== expected.toLowerCase()) {
    io.stderr.write(`triage auth x: X signed in @${consent.username}, but account "${accountId}" is @${expected}: nothing was saved. Sign out of X in the browser, sign in as @${expected} and run it again.\n`);
    return 1;
  }
  const store = await openStore(config);
  try {
    await store.oauthLogins.save('x', accountId, consent, tokenSeal(config.secretKey));
  } finally {
    await store.close();
  }
  const refresh = consent.tokens.refreshToken === undefined ? ' X gave no refresh token (offline.access was not granted): the login ends in two hours.' : '';
  io.stdout.write(`Connected: replies on X go out as @${consent.username} (account ${accountId}); the tokens are stored encrypted in the database.${refresh}\n`);
  return 0;
}

function usage(io: CommandIo, problem: string): number {
  io.stderr.write(`triage auth x: ${problem}\n`);
  return 2;
}
