import { createRestAPIClient, MastoDeserializeError, MastoHttpError, MastoTimeoutError, MastoUnexpectedError, type mastodon } from 'masto';
import type { MastodonConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';

export interface MastodonClientOptions {
  /** Per-request timeout; a hung request fails as retryable. Default 20 s. */
  timeoutMs?: number;
  /** Aborted when the bot stops: the request in flight is cancelled at once. */
  signal?: AbortSignal;
}

/** The real `masto` REST client at `MASTODON_URL`. */
export function createMastodonClient(config: Pick<MastodonConfig, 'url' | 'accessToken'>, options: MastodonClientOptions = {}): mastodon.rest.Client {
  return createRestAPIClient({
    url: config.url,
    accessToken: config.accessToken,
    timeout: options.timeoutMs ?? 20_000,
    ...(options.signal && { requestInit: { signal: options.signal } }),
  });
}

/** Mastodon failures as our errors: auth (stop the stream), rate limit (wait), unavailable (back off). */
export function translateMastodonError(error: unknown, what: string): TriageError {
  if (error instanceof TriageError) return error;
  if (error instanceof MastoHttpError) {
    const status = error.statusCode;
    const detail = error.message || 'no detail';
    if (status === 401) {
      return new TriageError('source-auth', `Mastodon rejected MASTODON_ACCESS_TOKEN for ${what} (401 ${detail}). Create a new access token (Preferences → Development → your application, read scopes) and set it; \`triage doctor\` tests it.`, { cause: error });
    }
    if (status === 403) {
      return new TriageError('source-auth', `Mastodon refused ${what} (403 ${detail}). MASTODON_ACCESS_TOKEN needs the read:accounts, read:notifications and read:statuses scopes (or read); \`triage doctor\` tells more.`, { cause: error });
    }
    if (status === 429) {
      // No Retry-After: X-RateLimit-Reset is an ISO time (300 requests per 5 minutes).
      const response = error.cause instanceof Response ? error.cause : undefined;
      const reset = Date.parse(response?.headers.get('x-ratelimit-reset') ?? '');
      return new TriageError('source-rate-limited', `Mastodon rate limit reached for ${what}`, { retryable: true, cause: error, resetAt: Number.isFinite(reset) ? reset : Date.now() + 300_000 });
    }
    if (status >= 500) return new TriageError('source-unavailable', `Mastodon answered ${status} for ${what}`, { retryable: true, cause: error });
    return new TriageError('source-bad-response', `Mastodon answered ${status} for ${what}: ${detail}`, { cause: error });
  }
  if (error instanceof MastoTimeoutError) return new TriageError('source-unavailable', `Mastodon did not answer in time for ${what}`, { retryable: true, cause: error });
  if (error instanceof MastoDeserializeError || error instanceof MastoUnexpectedError) {
    return new TriageError('source-bad-response', `Mastodon sent an unreadable answer for ${what}: ${error.message.slice(0, 120)}`, { retryable: true, cause: error });
  }
  if (error instanceof TypeError) {
    // fetch's own network failure, or masto choking on an HTML error page (a proxy, maintenance, an old server).
    const network = error.message === 'fetch failed';
    const reason = network ? `could not reach the instance (${(error.cause as Error | undefined)?.message ?? error.message})` : 'answered with a page that is not the API (an HTML error page from a proxy or the server?)';
    return new TriageError('source-unavailable', `Mastodon ${reason} for ${what}`, { retryable: true, cause: error });
  }
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new TriageError('source-unavailable', `Mastodon did not answer in time for ${what}`, { retryable: true, cause: error });
  }
  return new TriageError('source-bad-response', `unexpected failure reading ${what} from Mastodon: ${(error as Error)?.message ?? String(error)}`, { retryable: true, cause: error });
}
