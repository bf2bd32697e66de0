import { gaxios, OAuth2Client } from 'google-auth-library';
import type { GoogleConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';
import { transportError } from '../request-policy.js';
import type { GoogleReviewsClient, ReviewsPage } from './google-reviews-source.js';

export interface GoogleClientOptions {
  /** Per-request timeout; a hung request fails as retryable. Default 20 s. */
  timeoutMs?: number;
}

/**
 * The v4 reviews list through google-auth-library's OAuth2Client: the refresh token buys access
 * tokens at `GOOGLE_TOKEN_URL` (the client caches and renews them); `request()` adds the bearer.
 * It retries nothing on its own here (`retry: false`): the source's policy decides.
 */
export function createGoogleReviewsClient(config: GoogleConfig, options: GoogleClientOptions = {}): GoogleReviewsClient & GoogleReplyClient {
  const auth = new OAuth2Client({ clientId: config.clientId, clientSecret: config.clientSecret, endpoints: { oauth2TokenUrl: config.tokenUrl } });
  auth.setCredentials({ refresh_token: config.refreshToken });
  const timeout = options.timeoutMs ?? 20_000;
  let answered = false;
  return {
    get answeredBefore() {
      return answered;
    },
    async listReviews(locationId, query, signal) {
      const url = `${config.apiBaseUrl}/v4/accounts/${config.accountId}/locations/${locationId}/reviews`;
      const params: Record<string, string | number> = { pageSize: query.pageSize, orderBy: 'updateTime desc' };
      if (query.pageToken !== undefined) params.pageToken = query.pageToken;
      const response = await auth.request<unknown>({ url, params, retry: false, timeout, signal });
      answered = true;
      const body = response.data;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || ('reviews' in body && !Array.isArray((body as { reviews?: unknown }).reviews))) {
        throw new TriageError('source-bad-response', `Google sent an unreadable reviews list for location ${locationId}`, { retryable: true });
      }
      return body as ReviewsPage;
    },
    async putReply(locationId, reviewId, comment, signal) {
      const url = `${config.apiBaseUrl}/v4/accounts/${config.accountId}/locations/${locationId}/reviews/${encodeURIComponent(reviewId)}/reply`;
      const response = await auth.request<unknown>({ url, method: 'PUT', data: { comment }, retry: false, timeout, ...(signal && { signal }) });
      answered = true;
      const body = response.data;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new TriageError('source-bad-response', `Google sent an unreadable answer to the reply on review ${reviewId}`, { retryable: true });
      }
      return body as GoogleReviewReply;
    },
  };
}

/** A review's reply as `accounts.locations.reviews.updateReply` answers it. */
export interface GoogleReviewReply {
  comment?: string;
  updateTime?: string;
}

/** The reply call: one reply per review, created or overwritten (`PUT .../reviews/{id}/reply`). */
export interface GoogleReplyClient {
  putReply(locationId: string, reviewId: string, comment: string, signal?: AbortSignal): Promise<GoogleReviewReply>;
}

interface GoogleErrorBody {
  error?: string | { code?: number; message?: string; status?: string };
  error_description?: string;
}

/**
 * Google failures as our errors. The token endpoint answers OAuth errors (`invalid_grant`,
 * `invalid_client`); the API answers `{ error: { code, message, status } }`. A 429 before Google
 * ever answered may mean the project's API access is not approved yet (its quota is 0 until then).
 * The cause kept is a plain error: gaxios errors carry the request, bearer token included.
 */
export function translateGoogleError(error: unknown, what: string, context: { answeredBefore: boolean; now?: () => number }): TriageError {
  if (error instanceof TriageError) return error;
  if (!(error instanceof gaxios.GaxiosError) || !error.response) return transportError('Google', what, error);
  const now = context.now ?? Date.now;
  const status = error.response.status;
  const body = (typeof error.response.data === 'object' && error.response.data !== null ? error.response.data : {}) as GoogleErrorBody;
  const cause = new Error(`${status} ${error.message}`);
  const credential = (e: TriageError) => (credentialFailures.add(e), e);
  if (typeof body.error === 'string') {
    // The token endpoint (OAuth 2.0 error codes).
    const detail = `${body.error}${body.error_description ? `: ${body.error_description}` : ''}`;
    if (body.error === 'invalid_client' || body.error === 'unauthorized_client') {
      return credential(new TriageError('source-auth', `Google refused the OAuth client (${detail}). Check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET; \`triage doctor\` tests them.`, { cause }));
    }
    if (body.error === 'invalid_grant') {
      return credential(new TriageError('source-auth', `Google refused the refresh token (${detail}). Create a new GOOGLE_REFRESH_TOKEN for the account that manages the locations (README "Connect Google reviews").`, { cause }));
    }
    if (status >= 500 || status === 429) return new TriageError('source-unavailable', `Google's token endpoint answered ${status} (${detail})`, { retryable: true, cause });
    return credential(new TriageError('source-auth', `Google's token endpoint refused the credentials (${status} ${detail}). Check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN.`, { cause }));
  }
  const apiError = typeof body.error === 'object' ? body.error : undefined;
  const detail = [apiError?.status, apiError?.message].filter(Boolean).join(': ') || error.message;
  if (status === 401) {
    return credential(new TriageError('source-auth', `Google rejected the access token for ${what} (401 ${detail}). Check GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN.`, { cause }));
  }
  if (status === 403) {
    return new TriageError('source-auth', `Google refused ${what} (403 ${detail}). The account behind GOOGLE_REFRESH_TOKEN must manage this location, and the project needs Business Profile API access (README "Connect Google reviews").`, { cause });
  }
  if (status === 404) {
    return new TriageError('source-auth', `Google cannot find ${what} (404 ${detail}). Check GOOGLE_ACCOUNT_ID and GOOGLE_LOCATION_IDS (the bare numbers).`, { cause });
  }
  if (status === 429) {
    const retryAfter = Number(error.response.headers?.get?.('retry-after'));
    const approval = context.answeredBefore ? '' : '. On the very first call this can mean the project\'s Business Profile API access is not approved yet (its quota is 0 until Google approves the application; README "Connect Google reviews")';
    return new TriageError('source-rate-limited', `Google quota exceeded for ${what} (429 ${detail})${approval}`, {
      retryable: true,
      cause,
      resetAt: now() + (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 60_000),
    });
  }
  if (status >= 500) return new TriageError('source-unavailable', `Google answered ${status} for ${what} (${detail})`, { retryable: true, cause });
  return new TriageError('source-bad-response', `Google answered ${status} for ${what}: ${detail}`, { cause });
}

const credentialFailures = new WeakSet<TriageError>();

/** Whether a failure concerns the credentials themselves (every location stops), not one location. */
export function isCredentialRejected(error: TriageError): boolean {
  return credentialFailures.has(error);
}
