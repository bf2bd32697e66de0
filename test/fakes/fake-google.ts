import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeFake, listenOnLoopback, loopbackOrigin } from './loopback.js';

export type StarRating = 'ONE' | 'TWO' | 'THREE' | 'FOUR' | 'FIVE';

export interface FakeReview {
  reviewId: string;
  locationId: string;
  reviewer: { displayName?: string; isAnonymous?: boolean };
  starRating: StarRating;
  comment?: string;
  createdAt: number;
  updatedAt: number;
  reply?: { comment: string; updatedAt: number };
}

export type GoogleFault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  | { kind: 'unauthenticated' }
  | { kind: 'malformed' }
  | { kind: 'hang' }
  /** A page without `reviews` that still has a `nextPageToken`. */
  | { kind: 'empty-page' };

export interface GoogleRecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** The form fields of a token request. */
  form?: Record<string, string>;
  /** The JSON body of a write (a reply's `{ comment }`). */
  body?: unknown;
}

/** RFC 3339 with microseconds, as Google writes times. */
export function googleTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '123Z');
}

const encodeToken = (offset: number, salt = '') => Buffer.from(`o${offset}${salt}`).toString('base64url');
const decodeToken = (token: string | null) => (token ? Number.parseInt(Buffer.from(token, 'base64url').toString().slice(1), 10) || 0 : 0);

/**
 * A local stand-in for Google's token endpoint (`POST /token`, grant_type=refresh_token) and the
 * Business Profile v4 reviews list (`GET /v4/accounts/{a}/locations/{l}/reviews`, newest update
 * first, `nextPageToken`, `averageRating`, `totalReviewCount`, empty fields left out) and reply
 * (`PUT .../reviews/{id}/reply` with `{ comment }`, answering the ReviewReply: one per review), with
 * Google's error bodies and faults on demand.
 */
export class FakeGoogle {
  readonly accountId = '107745212345678901234';
  readonly locations = new Set(['4101', '4102']);
  readonly reviews: FakeReview[] = [];
  readonly requests: GoogleRecordedRequest[] = [];
  readonly faults: Array<{ path?: string; fault: GoogleFault }> = [];
  clientId = 'fake-client.apps.googleusercontent.com';
  clientSecret = 'GOCSPX-fake-secret';
  refreshToken = '1//fake-refresh-token';
  /** Lifetime of the access tokens handed out, seconds. */
  expiresIn = 3599;
  onResponded: ((request: GoogleRecordedRequest) => void) | undefined;
  /** The clock replies are stamped with. */
  now: () => number = () => Date.now();
  /** Every reply written (`PUT .../reply`), in order: a review keeps only the last. */
  readonly replyWrites: Array<{ reviewId: string; locationId: string; comment: string }> = [];
  private readonly issued = new Set<string>();
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  /** Ids are counted from here: several fakes side by side (one per account) start apart, as real ids never collide. */
  counter = 0;

  async start(): Promise<string> {
    this.server = await listenOnLoopback((req, res) => this.handle(req, res));
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `${loopbackOrigin(this.server!)}`;
  }

  get tokenUrl(): string {
    return `${this.baseUrl}/token`;
  }

  async stop(): Promise<void> {
    await closeFake(this.server, this.hung);
  }

  addReview(review: { locationId?: string; displayName?: string; starRating: StarRating; comment?: string; createdAt?: number; reply?: { comment: string; updatedAt: number } }): FakeReview {
    const at = review.createdAt ?? Date.now();
    const full: FakeReview = {
      reviewId: `AbFvOq${++this.counter}x${'Z'.repeat(8)}`,
      locationId: review.locationId ?? '4101',
      reviewer: review.displayName === undefined ? { isAnonymous: true } : { displayName: review.displayName },
      starRating: review.starRating,
      createdAt: at,
      updatedAt: at,
      ...(review.comment !== undefined && { comment: review.comment }),
      ...(review.reply !== undefined && { reply: review.reply }),
    };
    this.reviews.push(full);
    return full;
  }

  /** The reviewer edits: new stars or text, a newer updateTime. */
  edit(review: FakeReview, change: { starRating?: StarRating; comment?: string; at: number }): void {
    if (change.starRating) review.starRating = change.starRating;
    if (change.comment !== undefined) review.comment = change.comment;
    review.updatedAt = change.at;
  }

  /** Our reply; like Google, it leaves the review's updateTime alone. */
  reply(review: FakeReview, comment: string, at: number): void {
    review.reply = { comment, updatedAt: at };
  }

  remove(review: FakeReview): void {
    this.reviews.splice(this.reviews.indexOf(review), 1);
  }

  fail(fault: GoogleFault, path?: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(path === undefined ? { fault } : { path, fault });
  }

  requestsTo(pathPart: string): GoogleRecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(pathPart));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk)).on('end', () => this.route(req, res, raw));
  }

  private route(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: GoogleRecordedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization };
    if (recorded.method === 'POST') recorded.form = Object.fromEntries(new URLSearchParams(raw));
    if (recorded.method === 'PUT') {
      try {
        recorded.body = JSON.parse(raw);
      } catch {
        recorded.body = raw;
      }
    }
    this.requests.push(recorded);
    res.on('finish', () => this.onResponded?.(recorded));
    const index = this.faults.findIndex((f) => f.path === undefined || recorded.path.includes(f.path));
    const fault = index >= 0 ? this.faults.splice(index, 1)[0]!.fault : undefined;
    if (fault?.kind === 'hang') return void this.hung.push(res);

    if (recorded.path === '/token' && recorded.method === 'POST') return this.token(res, recorded.form ?? {}, fault);

    const m = recorded.path.match(/^\/v4\/accounts\/([^/]+)\/locations\/([^/]+)\/reviews$/);
    const bearer = recorded.authorization?.replace(/^Bearer /, '');
    if (!bearer || !this.issued.has(bearer) || fault?.kind === 'unauthenticated') {
      return this.apiError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
    }
    if (fault?.kind === 'status') {
      if (fault.status === 429) {
        return this.apiError(res, 429, "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'mybusiness.googleapis.com' for consumer 'project_number:123456789'.", 'RESOURCE_EXHAUSTED', fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) });
      }
      return this.apiError(res, fault.status, fault.status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.', fault.status === 503 ? 'UNAVAILABLE' : 'INTERNAL');
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      return void res.end('{"reviews": [{"reviewId": "trunc');
    }
    const write = recorded.path.match(/^\/v4\/accounts\/([^/]+)\/locations\/([^/]+)\/reviews\/([^/]+)\/reply$/);
    if (write && recorded.method === 'PUT') return this.putReply(res, write[1]!, write[2]!, write[3]!, recorded.body);
    if (!m || m[1] !== this.accountId || !this.locations.has(m[2]!)) return this.apiError(res, 404, 'Requested entity was not found.', 'NOT_FOUND');
    const all = this.reviews.filter((r) => r.locationId === m[2]).sort((a, b) => b.updatedAt - a.updatedAt);
    const pageSize = Math.min(50, Number(url.searchParams.get('pageSize') ?? 50));
    const offset = decodeToken(url.searchParams.get('pageToken'));
    const summary: Record<string, unknown> = {};
    if (all.length > 0) {
      summary.averageRating = Math.round((all.reduce((n, r) => n + ['ONE', 'TWO', 'THREE', 'FOUR', 'FIVE'].indexOf(r.starRating) + 1, 0) / all.length) * 10) / 10;
      summary.totalReviewCount = all.length;
    }
    if (fault?.kind === 'empty-page') return this.send(res, { ...summary, nextPageToken: encodeToken(offset, `.${++this.counter}`) });
    const slice = all.slice(offset, offset + pageSize);
    const body: Record<string, unknown> = { ...summary };
    if (slice.length > 0) body.reviews = slice.map((r) => this.reviewJson(r));
    if (offset + pageSize < all.length) body.nextPageToken = encodeToken(offset + pageSize);
    this.send(res, body);
  }

  private token(res: ServerResponse, form: Record<string, string>, fault: GoogleFault | undefined): void {
    if (fault?.kind === 'status') return this.send(res, { error: 'internal_failure' }, fault.status);
    if (form.grant_type !== 'refresh_token') return this.send(res, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.grant_type}` }, 400);
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) return this.send(res, { error: 'invalid_client', error_description: 'The OAuth client was not found.' }, 401);
    if (form.refresh_token !== this.refreshToken) return this.send(res, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }, 400);
    const token = `ya29.fake-${++this.counter}`;
    this.issued.add(token);
    this.send(res, { access_token: token, expires_in: this.expiresIn, scope: 'https://www.googleapis.com/auth/business.manage', token_type: 'Bearer' });
  }

  /** `accounts.locations.reviews.updateReply`: creates or overwrites the review's one reply, answers the ReviewReply. */
  private putReply(res: ServerResponse, accountId: string, locationId: string, reviewId: string, body: unknown): void {
    const review = this.reviews.find((r) => r.reviewId === reviewId && r.locationId === locationId);
    if (accountId !== this.accountId || !review) return this.apiError(res, 404, 'Requested entity was not found.', 'NOT_FOUND');
    const comment = (body as { comment?: unknown } | null)?.comment;
    if (typeof comment !== 'string' || comment.trim() === '') return this.apiError(res, 400, 'Request contains an invalid argument.', 'INVALID_ARGUMENT');
    if (comment.length > 4096) return this.apiError(res, 400, 'Request contains an invalid argument.', 'INVALID_ARGUMENT');
    review.reply = { comment, updatedAt: this.now() };
    this.replyWrites.push({ reviewId, locationId, comment });
    this.send(res, { comment, updateTime: googleTime(review.reply.updatedAt) });
  }

  /** Forgets every access token handed out, as when they expire or are revoked. */
  revokeAccessTokens(): void {
    this.issued.clear();
  }

  private reviewJson(review: FakeReview): object {
    return {
      name: `accounts/${this.accountId}/locations/${review.locationId}/reviews/${review.reviewId}`,
      reviewId: review.reviewId,
      reviewer: review.reviewer.isAnonymous
        ? { isAnonymous: true }
        : { profilePhotoUrl: 'https://lh3.googleusercontent.com/a/fake=s120-c-rp-mo-br100', displayName: review.reviewer.displayName },
      starRating: review.starRating,
      ...(review.comment !== undefined && { comment: review.comment }),
      createTime: googleTime(review.createdAt),
      updateTime: googleTime(review.updatedAt),
      ...(review.reply && { reviewReply: { comment: review.reply.comment, updateTime: googleTime(review.reply.updatedAt) } }),
    };
  }

  private apiError(res: ServerResponse, status: number, message: string, code: string, headers: Record<string, string> = {}): void {
    this.send(res, { error: { code: status, message, status: code } }, status, headers);
  }

  private send(res: ServerResponse, body: object, status = 200, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
