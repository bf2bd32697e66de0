import type { FacebookConfig } from '../../config.js';
import { TriageError } from '../../util/errors.js';
import { transportError } from '../request-policy.js';

/** Graph API error codes that mean "throttled": app (4), user (17), page (32), custom (613), Pages BUC (80001). */
const THROTTLE_CODES = new Set([4, 17, 32, 613, 80001]);

/** An error body the Graph API answered (`{ "error": { message, type, code, error_subcode, ... } }`). */
export class GraphApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    readonly isTransient: boolean,
    /** From `X-Business-Use-Case-Usage`: minutes until the throttle lifts (0 when not given). */
    readonly regainAccessMinutes: number,
    readonly fbtraceId: string | undefined,
  ) {
    super(message);
    this.name = 'GraphApiError';
  }
}

export interface GraphResponse<T> {
  body: T;
  /** Minutes until access is regained, from the usage header of a successful answer (0 when none). */
  regainAccessMinutes: number;
}

/** The calls Triage makes: an authenticated GET on the versioned Graph base (the source), and a POST (replies). */
export interface GraphClient {
  get<T>(path: string, params: Record<string, string>, signal: AbortSignal): Promise<GraphResponse<T>>;
  /** A write: `params` form-encoded in the body, as Graph takes them. */
  post<T>(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<GraphResponse<T>>;
}

export interface GraphClientOptions {
  /** Per-request timeout; a hung request fails as retryable. Default 20 s. */
  timeoutMs?: number;
}

/**
 * Plain `fetch` against `FACEBOOK_GRAPH_URL` (the official SDK hard-codes its host). The token goes
 * in the Authorization header, never in a URL that could be logged.
 */
export function createGraphClient(config: Pick<FacebookConfig, 'graphUrl' | 'pageToken'>, options: GraphClientOptions = {}): GraphClient {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const url = (path: string) => `${config.graphUrl}/${path.replace(/^\/+/, '')}`;
  const headers = { authorization: `Bearer ${config.pageToken}`, accept: 'application/json' };
  const within = (signal: AbortSignal | undefined) => (signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs));
  return {
    async get<T>(path: string, params: Record<string, string>, signal: AbortSignal): Promise<GraphResponse<T>> {
      return readGraphAnswer<T>(await fetch(`${url(path)}?${new URLSearchParams(params)}`, { headers, signal: within(signal) }), path);
    },
    async post<T>(path: string, params: Record<string, string>, signal?: AbortSignal): Promise<GraphResponse<T>> {
      return readGraphAnswer<T>(await fetch(url(path), { method: 'POST', headers, body: new URLSearchParams(params), signal: within(signal) }), path);
    },
  };
}

/** A Graph answer as its body, or the {@link GraphApiError} it carries. */
async function readGraphAnswer<T>(response: Response, path: string): Promise<GraphResponse<T>> {
  const text = await response.text();
  const regainAccessMinutes = regainMinutes(response.headers.get('x-business-use-case-usage'));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (response.status >= 500) throw new GraphApiError(`HTTP ${response.status} with a body that is not JSON`, response.status, undefined, undefined, true, 0, undefined);
    throw new TriageError('source-bad-response', `Facebook sent an unreadable answer (HTTP ${response.status}, not JSON) for ${path}`, { retryable: true });
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!response.ok || (error !== undefined && error !== null)) {
    const e = typeof error === 'object' && error !== null ? error : {};
    throw new GraphApiError(
      typeof e.message === 'string' ? e.message : `HTTP ${response.status}`,
      response.status,
      typeof e.code === 'number' ? e.code : undefined,
      typeof e.error_subcode === 'number' ? e.error_subcode : undefined,
      e.is_transient === true,
      regainAccessMinutes,
      typeof e.fbtrace_id === 'string' ? e.fbtrace_id : undefined,
    );
  }
  return { body: body as T, regainAccessMinutes };
}

/**
 * `X-Business-Use-Case-Usage` is `{ "<business id>": [{ type, call_count, total_cputime, total_time,
 * estimated_time_to_regain_access }] }`; the longest wait of any entry wins.
 */
export function regainMinutes(header: string | null): number {
  if (!header) return 0;
  try {
    const usage = JSON.parse(header) as Record<string, Array<{ estimated_time_to_regain_access?: unknown }>>;
    let minutes = 0;
    for (const entries of Object.values(usage)) {
      for (const entry of Array.isArray(entries) ? entries : []) {
        const eta = Number(entry?.estimated_time_to_regain_access ?? 0);
        if (Number.isFinite(eta) && eta > minutes) minutes = eta;
      }
    }
    return minutes;
  } catch {
    return 0;
  }
}

/** Graph times look like `2026-11-30T21:04:05+0000` (no colon in the offset); NaN when unreadable. */
export function parseGraphTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const m = value.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)$/);
  if (!m) return Number.NaN;
  const offset = m[2] === 'Z' ? 'Z' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
  return Date.parse(`${m[1]}${offset}`);
}

/** Graph failures as our errors: auth and permissions (stop the stream), throttling (wait), transient (back off). */
export function translateGraphError(error: unknown, what: string, now: () => number = Date.now): TriageError {
  if (error instanceof TriageError) return error;
  if (!(error instanceof GraphApiError)) return transportError('Facebook', what, error);
  const { code, subcode, status } = error;
  const detail = `${code !== undefined ? `#${code}${subcode !== undefined ? `/${subcode}` : ''} ` : ''}${error.message}`;
  if (code === 190 || code === 102 || (code === undefined && status === 401)) {
    return new TriageError('source-auth', `Facebook rejected the page token for ${what} (${detail}). Check FACEBOOK_PAGE_TOKEN: a Page access token of this page (not a user or app token); \`triage doctor\` tests it.`, { cause: error });
  }
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) {
    return new TriageError('source-auth', `Facebook refused ${what} (${detail}). The token in FACEBOOK_PAGE_TOKEN needs pages_read_engagement and pages_read_user_content (README "Connect a Facebook Page").`, { cause: error });
  }
  if (code === 100 && subcode === 33) {
    return new TriageError('source-auth', `Facebook cannot read ${what} (${detail}). Check FACEBOOK_PAGE_ID (the page's numeric id) and that the token belongs to that page.`, { cause: error });
  }
  if ((code !== undefined && THROTTLE_CODES.has(code)) || status === 429) {
    const minutes = error.regainAccessMinutes;
    return new TriageError('source-rate-limited', `Facebook throttled ${what} (${detail})${minutes > 0 ? `; access returns in about ${minutes} min` : ''}`, {
      retryable: true,
      cause: error,
      resetAt: now() + (minutes > 0 ? minutes * 60_000 : 60_000),
    });
  }
  if (error.isTransient || code === 1 || code === 2 || status >= 500) {
    return new TriageError('source-unavailable', `Facebook answered ${status} for ${what} (${detail})`, { retryable: true, cause: error });
  }
  return new TriageError('source-bad-response', `Facebook answered ${status} for ${what}: ${detail}`, { cause: error });
}

/** The token itself was rejected (every stream stops), not one edge's permission. */
export function isTokenRejected(error: TriageError): boolean {
  const cause = error.cause;
  return error.code === 'source-auth' && cause instanceof GraphApiError && (cause.code === 190 || cause.code === 102 || (cause.code === undefined && cause.status === 401));
}

/** Error 12: the edge or field is deprecated in this Graph version (page recommendations from v22 on). */
export function isDeprecatedInThisVersion(error: TriageError): boolean {
  return error.cause instanceof GraphApiError && error.cause.code === 12;
}
