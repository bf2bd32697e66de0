import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError, TwitterApi, type ITwitterApiClientPlugin } from 'twitter-api-v2';
import type { XConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';

export interface XClientOptions {
  /** Per-request timeout; a hung request fails as retryable. Default 20 s. */
  timeoutMs?: number;
  /** Aborted when the bot stops: the request in flight is cancelled at once. */
  signal?: AbortSignal;
}

/**
 * The real twitter-api-v2 client, pointed at `X_API_BASE_URL`. The library's base URLs are
 * constants and it always calls `https.request`, so a plugin rewrites each request's URL and hands
 * it an agent for the base's protocol (tests and proxies use plain http on 127.0.0.1).
 */
export function createXClient(config: Pick<XConfig, 'bearerToken' | 'apiBaseUrl'>, options: XClientOptions = {}): TwitterApi {
  return new TwitterApi(config.bearerToken, { plugins: [rebaseOn(config.apiBaseUrl, options)] });
}

/**
 * A client for the OAuth 2.0 token endpoint (`{ clientId, clientSecret }`: consent, refresh) or in
 * user context (an access token), on the same base as {@link createXClient}.
 */
export function createXUserClient(auth: string | { clientId: string; clientSecret?: string | undefined }, apiBaseUrl: string, options: XClientOptions = {}): TwitterApi {
  const settings = { plugins: [rebaseOn(apiBaseUrl, options)] };
  if (typeof auth === 'string') return new TwitterApi(auth, settings);
  return new TwitterApi({ clientId: auth.clientId, ...(auth.clientSecret !== undefined && { clientSecret: auth.clientSecret }) }, settings);
}

function rebaseOn(apiBaseUrl: string, options: XClientOptions): ITwitterApiClientPlugin {
  const base = new URL(apiBaseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const agent = base.protocol === 'http:' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
  const timeout = options.timeoutMs ?? 20_000;
  return {
    onBeforeRequest({ computedParams, requestOptions }) {
      const url = computedParams.url;
      url.protocol = base.protocol;
      url.host = base.host;
      if (basePath !== '') url.pathname = `${basePath}${url.pathname}`;
      requestOptions.agent = agent;
      requestOptions.timeout = timeout;
      if (options.signal) requestOptions.signal = options.signal;
    },
  };
}

function problemDetail(error: ApiResponseError): string {
  const data = error.data as { detail?: string; title?: string; reason?: string } | undefined;
  return [data?.title, data?.detail, data?.reason].filter(Boolean).join(': ') || error.message;
}

/** X API failures as our errors: auth (stop the stream), rate limit (wait), unavailable (back off). */
export function translateXError(error: unknown, what: string): TriageError {
  if (error instanceof TriageError) return error;
  if (error instanceof ApiResponseError) {
    const status = error.code;
    if (status === 401) {
      return new TriageError('source-auth', `X rejected the credentials for ${what} (401 ${problemDetail(error)}). Check X_BEARER_TOKEN (regenerate it in the developer portal); \`triage doctor\` tests it.`, { cause: error });
    }
    if (status === 403) {
      return new TriageError('source-auth', `X refused ${what} (403 ${problemDetail(error)}). The app's access level or project may not include this endpoint; \`triage doctor\` tells more.`, { cause: error });
    }
    if (status === 429 || error.rateLimitError) {
      const reset = error.rateLimit?.reset;
      return new TriageError('source-rate-limited', `X rate limit reached for ${what}`, {
        retryable: true,
        cause: error,
        resetAt: reset !== undefined ? reset * 1000 : Date.now() + 60_000,
      });
    }
    if (status >= 500) return new TriageError('source-unavailable', `X answered ${status} for ${what}`, { retryable: true, cause: error });
    return new TriageError('source-bad-response', `X answered ${status} for ${what}: ${problemDetail(error)}`, { cause: error });
  }
  if (error instanceof ApiPartialResponseError) {
    return new TriageError('source-unavailable', `X sent an incomplete or unreadable response for ${what}`, { retryable: true, cause: error });
  }
  if (error instanceof ApiRequestError) {
    return new TriageError('source-unavailable', `could not reach X for ${what}: ${error.requestError?.message ?? error.message}`, { retryable: true, cause: error });
  }
  return new TriageError('source-bad-response', `unexpected failure reading ${what} from X: ${(error as Error)?.message ?? String(error)}`, { retryable: true, cause: error });
}

/** Resolves the watched account's id: X_USER_ID as given, or X_HANDLE looked up once. */
export async function resolveXUserId(client: TwitterApi, config: Pick<XConfig, 'userId' | 'handle'>): Promise<{ id: string; username: string | undefined }> {
  if (config.userId !== undefined) return { id: config.userId, username: config.handle };
  const handle = config.handle as string;
  let response;
  try {
    response = await client.v2.userByUsername(handle);
  } catch (error) {
    throw translateXError(error, `the account @${handle}`);
  }
  if (!response.data) {
    throw new TriageError('source-auth', `X_HANDLE=${handle}: X has no such account (${response.errors?.[0]?.detail ?? 'not found'}). Check the spelling, without the @.`);
  }
  return { id: response.data.id, username: response.data.username };
}
