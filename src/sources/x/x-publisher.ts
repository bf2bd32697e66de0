import { ApiResponseError, type TweetV2PaginableTimelineResult } from 'twitter-api-v2';
import type { XOAuthConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { OAuthLogin, OAuthLogins, TokenSeal } from '../../store/oauth-logins.js';
import { TriageError } from '../../util/errors.js';
import type { OutgoingReply, PublishedReply, ReplyParent, ReplyPublisher } from '../reply-publisher.js';
import { createXUserClient, translateXError } from './x-client.js';
import { isRefreshRefused, tokenError, tokensOf } from './x-oauth.js';
import { X_REPLY_RULE, xRevokedNote } from './x-reply-rule.js';

/** Access tokens last two hours: one that lapses within this is refreshed before it is used. */
export const REFRESH_AHEAD_MS = 5 * 60_000;
/** Pages of our own timeline read when looking for an earlier reply (100 posts each). */
const LOOKBACK_PAGES = 3;

export interface XPublisherOptions {
  /** The account's id (the accounts file's, or `x`): keys its stored login. */
  account: string;
  oauth: Pick<XOAuthConfig, 'clientId' | 'clientSecret' | 'apiBaseUrl'>;
  logins: Pick<OAuthLogins, 'identity' | 'load' | 'save' | 'markRevoked'>;
  seal: TokenSeal;
  log: Logger;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * Replies on X with `POST /2/tweets` (`reply.in_reply_to_tweet_id`) in user context, with the login
 * `triage auth x` stored. The access token is refreshed ahead of its expiry and on a 401, and the new
 * access and refresh token are saved at once (X rotates refresh tokens). A refused refresh token
 * marks the login revoked: said once, and the drafts stay queued until the consent is run again.
 * X has no idempotency key, so a retry first looks for our reply on our own timeline and adopts it.
 */
export function xPublisher(options: XPublisherOptions): ReplyPublisher {
  const { account, oauth, logins, seal, log, now, signal } = options;
  const app = createXUserClient({ clientId: oauth.clientId, clientSecret: oauth.clientSecret }, oauth.apiBaseUrl, signal ? { signal } : {});
  let told: string | undefined;
  // One user client (and its keep-alive agent) per access token, not one per request.
  let user: { token: string; client: ReturnType<typeof createXUserClient> } | undefined;
  const clientFor = (login: OAuthLogin) => {
    if (user?.token !== login.tokens.accessToken) user = { token: login.tokens.accessToken, client: createXUserClient(login.tokens.accessToken, oauth.apiBaseUrl, signal ? { signal } : {}) };
    return user.client;
  };
  const hold = (reason: string): TriageError => {
    if (told !== reason) log.error({ account }, `${reason}; replies on X stay queued until then`);
    told = reason;
    return new TriageError('source-auth', reason, { retryable: true });
  };

  async function fresh(login: OAuthLogin | undefined): Promise<OAuthLogin> {
    if (!login) throw hold(`X is not connected for account ${account}: run \`triage auth x\``);
    if (login.revokedAt !== null) throw hold(xRevokedNote(account));
    return login.tokens.expiresAt - now() < REFRESH_AHEAD_MS ? refresh(login) : login;
  }

  async function refresh(login: OAuthLogin): Promise<OAuthLogin> {
    try {
      if (login.tokens.refreshToken === undefined) throw new TriageError('source-auth', 'no refresh token (offline.access not granted)');
      const granted = await app.refreshOAuth2Token(login.tokens.refreshToken);
      await logins.save('x', account, { userId: login.userId, username: login.username, tokens: tokensOf(granted, now()) }, seal);
      log.debug({ account }, 'X access token refreshed');
      return (await logins.load('x', account, seal)) as OAuthLogin;
    } catch (error) {
      if (!isRefreshRefused(error) && !(error instanceof TriageError && error.code === 'source-auth')) throw tokenError(error, 'refreshing the X access token');
      // Another process may have rotated the token first: its newer tokens are in the database.
      const current = await logins.load('x', account, seal);
      if (current && current.sealed !== login.sealed && current.revokedAt === null) return current;
      if (!(await logins.markRevoked('x', account, login.sealed, tokenError(error, 'the stored refresh token').message))) {
        // Saved between our two reads: those tokens are the live ones.
        const saved = await logins.load('x', account, seal);
        if (saved && saved.revokedAt === null) return saved;
      }
      throw hold(xRevokedNote(account));
    }
  }

  /** Runs `call` with a live access token; on a 401 the token is refreshed once and `call` runs again. */
  async function withToken<T>(call: (login: OAuthLogin) => Promise<T>): Promise<T> {
    const login = await fresh(await logins.load('x', account, seal));
    try {
      return await call(login);
    } catch (error) {
      if (!(error instanceof ApiResponseError) || error.code !== 401) throw error;
      return call(await refresh(login));
    }
  }

  async function findOurReply(login: OAuthLogin, reply: OutgoingReply, parent: ReplyParent): Promise<PublishedReply | undefined> {
    const client = clientFor(login);
    const startTime = new Date(reply.createdAt - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    let token: string | undefined;
    for (let page = 0; page < LOOKBACK_PAGES; page++) {
      const body = await client.v2.get<TweetV2PaginableTimelineResult>(`users/${login.userId}/tweets`, {
        max_results: '100',
        start_time: startTime,
        'tweet.fields': 'referenced_tweets,created_at',
        exclude: 'retweets',
        ...(token !== undefined && { pagination_token: token }),
      });
      const ours = body.data?.find((t) => t.referenced_tweets?.some((r) => r.type === 'replied_to' && r.id === parent.nativeId) && sameText(t.text, reply.text));
      if (ours) return { id: ours.id, url: `https://x.com/${login.username}/status/${ours.id}` };
      token = body.meta?.next_token;
      if (token === undefined) return undefined;
    }
    return undefined;
  }

  return {
    platform: 'x',
    async held() {
      const identity = await logins.identity('x', account);
      if (identity && identity.revokedAt === null) {
        told = undefined;
        return undefined;
      }
      return hold(identity ? xRevokedNote(account) : `X is not connected for account ${account}: run \`triage auth x\``).message;
    },
    async publish(reply, parent) {
      try {
        return await withToken(async (login) => {
          if (reply.retry) {
            const earlier = await findOurReply(login, reply, parent);
            if (earlier) {
              log.info({ account, remoteId: earlier.id }, 'X reply found from an earlier attempt; not posted again');
              return earlier;
            }
          }
          const { data } = await clientFor(login).v2.reply(reply.text, parent.nativeId);
          return { id: data.id, url: `https://x.com/${login.username}/status/${data.id}` };
        });
      } catch (error) {
        throw translateReplyError(error, parent.nativeId);
      }
    },
  };
}

function translateReplyError(error: unknown, parentId: string): TriageError {
  if (error instanceof TriageError) return error;
  if (error instanceof ApiResponseError && error.code === 403) {
    const detail = String((error.data as { detail?: unknown } | undefined)?.detail ?? '');
    if (/not allowed|mentioned|engaged/i.test(detail)) return new TriageError('source-auth', `${X_REPLY_RULE} Copy the text and reply on X yourself.`, { cause: error });
    return new TriageError('source-auth', `X refused the reply to post ${parentId} (403 ${detail || 'Forbidden'}). The app needs "Read and write" in its User authentication settings; after changing it, run \`triage auth x\` again.`, { cause: error });
  }
  if (error instanceof ApiResponseError && error.code === 401) {
    // A fresh token refused: retried next round (a new consent, or X's outage, settles it).
    return new TriageError('source-auth', `X refused the access token for the reply to post ${parentId} right after a refresh (401)`, { retryable: true, cause: error });
  }
  return translateXError(error, `the reply to post ${parentId}`);
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/** X returns a post's text with &, < and > escaped and links shortened; compare what remains. */
function sameText(posted: string, ours: string): boolean {
  const plain = (text: string) => text.replace(/&(amp|lt|gt);/g, (e) => ENTITIES[e] ?? e).replace(/https?:\/\/\S+/g, '').replace(/^(\s*@\w+)+/, '').replace(/\s+/g, ' ').trim();
  return plain(posted) === plain(ours);
}
