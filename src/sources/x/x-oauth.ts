import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiResponseError } from 'twitter-api-v2';
import type { XOAuthConfig } from '../../config.js';
import type { OAuthTokens } from '../../store/oauth-logins.js';
import { TriageError } from '../../util/errors.js';
import { createXUserClient, translateXError } from './x-client.js';

/** Read the mentions' threads, post replies, know who we are, and keep a refresh token. */
export const X_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access'];

/** What one consent gives: the tokens, and the account that granted them. */
export interface XConsent {
  userId: string;
  username: string;
  tokens: OAuthTokens;
}

export interface XConsentOptions {
  oauth: XOAuthConfig;
  /** Told the callback URL (to register in the developer portal) and the link to open. */
  onLink(link: { url: string; redirectUri: string }): void;
  signal: AbortSignal;
  now: () => number;
  /** Waiting for the browser ends after this long. Default 10 minutes. */
  timeoutMs?: number;
}

const PAGE = (text: string) => `<!doctype html><meta charset="utf-8"><title>Triage</title><p>${text}</p>`;

/**
 * OAuth 2.0 Authorization Code with PKCE, through twitter-api-v2's own helpers: a callback server on
 * 127.0.0.1 (X_CALLBACK_PORT, or a free port), the consent link (state and S256 challenge made by
 * the library), then the code exchanged with its verifier, and `users/me` to learn who consented.
 */
export async function runXConsent(options: XConsentOptions): Promise<XConsent> {
  const { oauth } = options;
  const app = createXUserClient({ clientId: oauth.clientId, clientSecret: oauth.clientSecret }, oauth.apiBaseUrl, { signal: options.signal });
  let server: Server | undefined;
  try {
    const callback = new Promise<URLSearchParams>((resolve) => {
      server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname !== '/callback') {
          res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE('Not found.'));
          return;
        }
        const done = url.searchParams.has('code') || url.searchParams.has('error');
        res.writeHead(done ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' })
          .end(PAGE(url.searchParams.has('code') ? 'Triage: X is connected. You can close this tab.' : 'Triage: X did not grant access. See the terminal.'));
        if (done) resolve(url.searchParams);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', (error: NodeJS.ErrnoException) => reject(new TriageError('config', `X_CALLBACK_PORT=${oauth.callbackPort}: cannot listen on 127.0.0.1:${oauth.callbackPort} (${error.code ?? error.message}). Free the port or choose another (and register its callback URL).`)));
      server!.listen(oauth.callbackPort ?? 0, '127.0.0.1', resolve);
    });
    const redirectUri = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/callback`;
    const link = app.generateOAuth2AuthLink(redirectUri, { scope: X_SCOPES });
    // The library builds x.com's consent page; X_AUTHORIZE_URL points it elsewhere (tests, staging).
    const url = new URL(oauth.authorizeUrl);
    url.search = new URL(link.url).search;
    options.onLink({ url: url.toString(), redirectUri });

    const params = await untilAnswered(callback, options.signal, options.timeoutMs ?? 600_000);
    if (params.get('state') !== link.state) throw new TriageError('source-auth', 'X answered with another state than the link carried: start `triage auth x` again and use the newest link.');
    const denied = params.get('error');
    if (denied !== null) throw new TriageError('source-auth', `X did not grant access (${denied}${params.get('error_description') ? `: ${params.get('error_description')}` : ''}). Run \`triage auth x\` again and choose "Authorize app".`);
    const granted = await app.loginWithOAuth2({ code: params.get('code') ?? '', codeVerifier: link.codeVerifier, redirectUri }).catch((error: unknown) => {
      throw tokenError(error, 'exchanging the consent code');
    });
    let me;
    try {
      me = await createXUserClient(granted.accessToken, oauth.apiBaseUrl, { signal: options.signal }).v2.me();
    } catch (error) {
      throw translateXError(error, 'the account that consented (users/me)');
    }
    return { userId: me.data.id, username: me.data.username, tokens: tokensOf(granted, options.now()) };
  } finally {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

async function untilAnswered(callback: Promise<URLSearchParams>, signal: AbortSignal, timeoutMs: number): Promise<URLSearchParams> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TriageError('source-auth', `no answer from X within ${Math.round(timeoutMs / 60_000)} minutes: run \`triage auth x\` again and open the link.`)), timeoutMs);
    onAbort = () => reject(new TriageError('source-auth', 'stopped before X answered; nothing was saved.'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([callback, stopped]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}

/** The token endpoint's answer as stored: when it lapses, not for how long. */
export function tokensOf(granted: { accessToken: string; refreshToken?: string | undefined; expiresIn: number; scope: string[] }, now: number): OAuthTokens {
  return { accessToken: granted.accessToken, refreshToken: granted.refreshToken, expiresAt: now + granted.expiresIn * 1000, scope: granted.scope };
}

/** True when the token endpoint refused the refresh token itself (revoked, rotated away, expired). */
export function isRefreshRefused(error: unknown): boolean {
  if (!(error instanceof ApiResponseError) || (error.code !== 400 && error.code !== 401)) return false;
  const code = (error.data as { error?: unknown } | undefined)?.error;
  return code === 'invalid_request' || code === 'invalid_grant';
}

/** A token endpoint failure in one sentence (its `error` and `error_description`). */
export function tokenError(error: unknown, what: string): TriageError {
  if (error instanceof ApiResponseError && error.code < 500 && error.code !== 429) {
    const data = error.data as { error?: string; error_description?: string } | undefined;
    const detail = [data?.error, data?.error_description].filter(Boolean).join(': ') || error.message;
    const hint = data?.error === 'invalid_client' || data?.error === 'unauthorized_client' ? ' Check X_CLIENT_ID (and X_CLIENT_SECRET for a confidential client).' : '';
    return new TriageError('source-auth', `X refused ${what} (${error.code} ${detail}).${hint}`, { cause: error });
  }
  return translateXError(error, what);
}
