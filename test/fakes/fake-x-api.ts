import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeFake, listenOnLoopback, loopbackOrigin } from './loopback.js';

const ids = new WeakMap<FakeTweet, bigint>();
const listKeys = new WeakMap<FakeTweet[], string>();
let listCounter = 0;
function matchingKey(list: FakeTweet[]): string {
  let key = listKeys.get(list);
  if (key === undefined) listKeys.set(list, (key = `list${++listCounter}`));
  return key;
}
function idOf(tweet: FakeTweet): bigint {
  let id = ids.get(tweet);
  if (id === undefined) ids.set(tweet, (id = BigInt(tweet.id)));
  return id;
}

/** A user as the fake knows it; serialised the way X API v2 serialises users. */
export interface FakeUser {
  id: string;
  username: string;
  name: string;
  followers: number;
  verified?: boolean;
}

export interface FakeTweet {
  id: string;
  text: string;
  authorId: string;
  createdAt: string;
  conversationId?: string;
  inReplyToUserId?: string;
  /** Id of the tweet this one replies to. */
  repliedTo?: string;
  /** Id of the tweet this one quotes. */
  quoted?: string;
}

/** One OAuth 2.0 user-context grant, as the fake's token endpoint issued it. */
interface Grant {
  userId: string;
  scope: string;
  accessExpiresAt: number;
}

/** X's answer to a reply its rule forbids (since 23 February 2026 on self-serve access). */
export const REPLY_NOT_ALLOWED = 'Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.';

export type Fault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503 | 401 | 403; resetInSeconds?: number }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'drop-includes' };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** A POST's body: JSON parsed, a form as its fields. */
  body?: Record<string, unknown>;
}

/**
 * A local stand-in for the X API v2 (the endpoints Triage reads), speaking its JSON: `data`,
 * `includes.users`/`includes.tweets`, `meta.next_token`/`newest_id`, `since_id`, rate-limit headers,
 * and on demand 429, 5xx, 401/403, hung requests and malformed bodies.
 */
export class FakeXApi {
  readonly users = new Map<string, FakeUser>();
  readonly tweets: FakeTweet[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Faults applied to the next matching requests, in order. `path` is a substring of the path. */
  readonly faults: Array<{ path?: string; fault: Fault }> = [];
  token = 'test-bearer-token';
  /** Requests allowed per endpoint before a 429 (the x-rate-limit-limit header). */
  rateLimit = 450;
  /** Called after a response has been written, with the request: lets a test kill a client at that moment. */
  onResponded: ((request: RecordedRequest) => void) | undefined;
  /**
   * Called once `POST /2/tweets` has stored the post, before X answers: returning true keeps the
   * answer from the client (it hangs until the fake stops), so a test can kill the client when X
   * has accepted the write and the client cannot have recorded it.
   */
  onAccepted: ((tweet: FakeTweet) => boolean | void) | undefined;
  private readonly used = new Map<string, number>();
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  private nextId = 1_990_000_000_000_000_000n;

  /** The app's OAuth 2.0 client; a secret makes it confidential (Basic auth at the token endpoint). */
  oauthClient: { id: string; secret?: string } = { id: 'test-client-id' };
  /** Who consents when the authorize page is opened; `deny` answers access_denied. */
  consent: { userId: string } | 'deny' | undefined;
  /** How long an access token lives (X: two hours). */
  accessTokenSeconds = 7200;
  private readonly codes = new Map<string, { challenge: string; redirectUri: string; userId: string; scope: string }>();
  private readonly accessTokens = new Map<string, Grant>();
  /** Valid refresh tokens; a used one is deleted (X rotates them). */
  private readonly refreshTokens = new Map<string, Grant>();
  /** Clock of token lifetimes; tests move it to expire access tokens. */
  now: () => number = Date.now;

  async start(): Promise<string> {
    this.server = await listenOnLoopback((req, res) => this.handle(req, res));
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `${loopbackOrigin(this.server!)}`;
  }

  async stop(): Promise<void> {
    await closeFake(this.server, this.hung);
  }

  addUser(user: FakeUser): FakeUser {
    this.users.set(user.id, user);
    return user;
  }

  /** Adds a tweet with the next (increasing) snowflake id unless one is given. */
  addTweet(tweet: Omit<FakeTweet, 'id' | 'createdAt'> & { id?: string; createdAt?: string }): FakeTweet {
    const id = tweet.id ?? String((this.nextId += 1000n));
    const full: FakeTweet = { ...tweet, id, createdAt: tweet.createdAt ?? new Date().toISOString(), conversationId: tweet.conversationId ?? id };
    this.tweets.push(full);
    this.version++;
    return full;
  }

  /** Deletes a tweet, as its author would: it leaves every timeline and search. */
  removeTweet(id: string): void {
    const i = this.tweets.findIndex((t) => t.id === id);
    if (i >= 0) this.tweets.splice(i, 1);
    this.version++;
  }

  fail(fault: Fault, path?: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(path === undefined ? { fault } : { path, fault });
  }

  requestsTo(pathPart: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(pathPart));
  }

  /** Tokens as a finished consent gives them, without the browser (tests that only send). */
  issueTokens(userId: string, scope = 'tweet.read tweet.write users.read offline.access'): { accessToken: string; refreshToken: string; expiresIn: number; scope: string } {
    const grant = { userId, scope, accessExpiresAt: this.now() + this.accessTokenSeconds * 1000 };
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(accessToken, grant);
    this.refreshTokens.set(refreshToken, grant);
    return { accessToken, refreshToken, expiresIn: this.accessTokenSeconds, scope };
  }

  /** The user removes the app in their X settings: every token of theirs stops working. */
  revokeUser(userId: string): void {
    for (const map of [this.accessTokens, this.refreshTokens]) for (const [token, grant] of map) if (grant.userId === userId) map.delete(token);
  }

  /** Access tokens lapse as if two hours had passed; refresh tokens stay valid. */
  expireAccessTokens(): void {
    for (const grant of this.accessTokens.values()) grant.accessExpiresAt = 0;
  }

  /** Replies posted through `POST /2/tweets`, to `tweetId` when given. */
  repliesBy(userId: string, tweetId?: string): FakeTweet[] {
    return this.tweets.filter((t) => t.authorId === userId && t.repliedTo !== undefined && (tweetId === undefined || t.repliedTo === tweetId));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') return this.respond(req, res, undefined);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = (req.headers['content-type'] ?? '').includes('json') ? (JSON.parse(raw || '{}') as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        body = {};
      }
      this.respond(req, res, body);
    });
  }

  private respond(req: IncomingMessage, res: ServerResponse, posted: Record<string, unknown> | undefined): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      ...(posted !== undefined && { body: posted }),
    };
    this.requests.push(recorded);
    res.on('finish', () => this.onResponded?.(recorded));

    const faultIndex = this.faults.findIndex((f) => f.path === undefined || recorded.path.includes(f.path));
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0]!.fault : undefined;
    if (fault?.kind === 'hang') {
      this.hung.push(res);
      return;
    }
    // The consent page and the token endpoint are not called with a bearer token.
    if (recorded.path === '/i/oauth2/authorize') return this.authorize(res, url.searchParams);
    if (recorded.path === '/2/oauth2/token') return this.tokenEndpoint(recorded, res);
    const user = this.userOfToken(recorded.authorization);
    if (recorded.authorization !== `Bearer ${this.token}` && user === undefined) return this.send(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
    if (fault?.kind === 'status') {
      const reset = Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 1);
      const body = fault.status === 429
        ? { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 }
        : fault.status === 403
          ? { title: 'Forbidden', detail: 'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.', type: 'https://api.twitter.com/2/problems/client-forbidden', reason: 'client-not-enrolled' }
          : { title: 'Service Unavailable', status: fault.status };
      return this.send(res, fault.status, body, fault.status === 429 ? { 'x-rate-limit-limit': '450', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) } : {});
    }

    const endpoint = recorded.path.replace(/\/\d+/g, '/:id');
    const used = (this.used.get(endpoint) ?? 0) + 1;
    this.used.set(endpoint, used);
    const rateHeaders = {
      'x-rate-limit-limit': String(this.rateLimit),
      'x-rate-limit-remaining': String(Math.max(0, this.rateLimit - used)),
      'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 900),
    };
    if (used > this.rateLimit) return this.send(res, 429, { title: 'Too Many Requests', status: 429 }, { ...rateHeaders, 'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 1) });
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json', ...rateHeaders });
      res.end('{"data": [{"id": "1", "text": "trunc');
      return;
    }

    if (recorded.method === 'POST' && recorded.path === '/2/tweets') return this.postTweet(res, user, recorded.body ?? {}, rateHeaders);
    if (recorded.path === '/2/users/me') {
      if (!user) return this.send(res, 403, { title: 'Unsupported Authentication', status: 403, detail: 'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].', type: 'https://api.twitter.com/2/problems/unsupported-authentication' }, rateHeaders);
      return this.send(res, 200, { data: this.userJson(this.users.get(user)!) }, rateHeaders);
    }
    const body = this.route(recorded, url.searchParams);
    if (!body) return this.send(res, 404, { title: 'Not Found Error', detail: `no route ${recorded.path}` }, rateHeaders);
    if (fault?.kind === 'drop-includes') delete (body as { includes?: unknown }).includes;
    this.send(res, 200, body, rateHeaders);
  }

  /** The user of a live user-context access token, or undefined. */
  private userOfToken(authorization: string | undefined): string | undefined {
    const grant = this.accessTokens.get(authorization?.replace(/^Bearer /, '') ?? '');
    return grant && grant.accessExpiresAt > this.now() ? grant.userId : undefined;
  }

  /** X's consent page, consented (or denied) at once as `consent` says: back to the redirect URI. */
  private authorize(res: ServerResponse, params: URLSearchParams): void {
    const redirect = new URL(params.get('redirect_uri') ?? '');
    const state = params.get('state') ?? '';
    const client = params.get('client_id') === this.oauthClient.id;
    if (!client || params.get('response_type') !== 'code' || params.get('code_challenge_method') !== 's256' || !params.get('code_challenge')) {
      return this.send(res, 400, { error: 'invalid_request', error_description: 'Something went wrong. You weren\'t able to give access to the App.' });
    }
    if (this.consent === undefined || this.consent === 'deny') {
      redirect.searchParams.set('error', 'access_denied');
    } else {
      const code = `code-${randomBytes(12).toString('hex')}`;
      this.codes.set(code, { challenge: params.get('code_challenge')!, redirectUri: params.get('redirect_uri')!, userId: this.consent.userId, scope: params.get('scope') ?? '' });
      redirect.searchParams.set('code', code);
    }
    redirect.searchParams.set('state', state);
    res.writeHead(302, { location: redirect.toString() }).end();
  }

  /** `POST /2/oauth2/token`: authorization_code (the PKCE verifier checked) and refresh_token (rotated). */
  private tokenEndpoint(req: RecordedRequest, res: ServerResponse): void {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const invalid = (description: string) => this.send(res, 400, { error: 'invalid_request', error_description: description });
    const basic = req.authorization?.startsWith('Basic ') ? Buffer.from(req.authorization.slice(6), 'base64').toString('utf8') : undefined;
    if (this.oauthClient.secret !== undefined && basic !== `${this.oauthClient.id}:${this.oauthClient.secret}`) {
      return this.send(res, 401, { error: 'unauthorized_client', error_description: 'Missing valid authorization header' });
    }
    if (body.client_id !== this.oauthClient.id) return this.send(res, 400, { error: 'invalid_client', error_description: 'Missing valid client_id' });
    let grant: Grant;
    if (body.grant_type === 'authorization_code') {
      const code = this.codes.get(body.code ?? '');
      this.codes.delete(body.code ?? '');
      if (!code) return invalid('Value passed for the authorization code was invalid.');
      const challenge = createHash('sha256').update(body.code_verifier ?? '').digest('base64url');
      if (challenge !== code.challenge || body.redirect_uri !== code.redirectUri) return invalid('Value passed for the code verifier or the redirect uri was invalid.');
      grant = { userId: code.userId, scope: code.scope, accessExpiresAt: 0 };
    } else if (body.grant_type === 'refresh_token') {
      const old = this.refreshTokens.get(body.refresh_token ?? '');
      if (!old) return invalid('Value passed for the token was invalid.');
      this.refreshTokens.delete(body.refresh_token!);
      grant = old;
    } else {
      return invalid('Missing required parameter [grant_type].');
    }
    const issued = this.issueTokens(grant.userId, grant.scope);
    this.send(res, 200, { token_type: 'bearer', expires_in: issued.expiresIn, access_token: issued.accessToken, scope: issued.scope, ...(grant.scope.includes('offline.access') && { refresh_token: issued.refreshToken }) });
  }

  /**
   * `POST /2/tweets` in user context. A reply goes only to a post whose author @mentioned or quoted
   * the poster (or to the poster's own thread): otherwise 403, as X answers self-serve apps.
   */
  private postTweet(res: ServerResponse, userId: string | undefined, body: Record<string, unknown>, headers: Record<string, string>): void {
    if (!userId) return this.send(res, 403, { title: 'Unsupported Authentication', status: 403, detail: 'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.', type: 'https://api.twitter.com/2/problems/unsupported-authentication' }, headers);
    const text = typeof body.text === 'string' ? body.text : '';
    const replyTo = (body.reply as { in_reply_to_tweet_id?: unknown } | undefined)?.in_reply_to_tweet_id;
    const parent = typeof replyTo === 'string' ? this.tweets.find((t) => t.id === replyTo) : undefined;
    if (replyTo !== undefined && !parent) return this.send(res, 400, { errors: [{ message: 'The `reply.in_reply_to_tweet_id` query parameter value [' + String(replyTo) + '] does not exist' }], title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request' }, headers);
    if (parent) {
      const me = this.users.get(userId)!;
      const quotesMe = parent.quoted !== undefined && this.tweets.find((t) => t.id === parent.quoted)?.authorId === userId;
      const mentionsMe = new RegExp(`(^|[^\\w])@${me.username}(?!\\w)`, 'i').test(parent.text);
      if (!mentionsMe && !quotesMe && parent.authorId !== userId) return this.send(res, 403, { detail: REPLY_NOT_ALLOWED, type: 'about:blank', title: 'Forbidden', status: 403 }, headers);
    }
    const tweet = this.addTweet({ text, authorId: userId, ...(parent && { repliedTo: parent.id, conversationId: parent.conversationId ?? parent.id, inReplyToUserId: parent.authorId }) });
    if (this.onAccepted?.(tweet) === true) {
      this.hung.push(res);
      return;
    }
    this.send(res, 201, { data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } }, headers);
  }

  private route(req: RecordedRequest, params: URLSearchParams): object | undefined {
    let m: RegExpMatchArray | null;
    if ((m = req.path.match(/^\/2\/users\/by\/username\/(\w+)$/))) {
      const user = [...this.users.values()].find((u) => u.username.toLowerCase() === m![1]!.toLowerCase());
      return user
        ? { data: this.userJson(user) }
        : { errors: [{ value: m[1], detail: `Could not find user with username: [${m[1]}].`, title: 'Not Found Error', resource_type: 'user', parameter: 'username', type: 'https://api.twitter.com/2/problems/resource-not-found' }] };
    }
    if ((m = req.path.match(/^\/2\/users\/(\d+)$/))) {
      const user = this.users.get(m[1]!);
      return user ? { data: this.userJson(user) } : { errors: [{ value: m[1], detail: `Could not find user with id: [${m[1]}].`, title: 'Not Found Error', type: 'https://api.twitter.com/2/problems/resource-not-found' }] };
    }
    if ((m = req.path.match(/^\/2\/users\/(\d+)\/mentions$/))) {
      const user = this.users.get(m[1]!);
      if (!user) return undefined;
      const handle = `@${user.username.toLowerCase()}`;
      return this.page(this.cached(`mentions:${handle}`, () => this.tweets.filter((t) => t.text.toLowerCase().includes(handle))), params);
    }
    if ((m = req.path.match(/^\/2\/users\/(\d+)\/tweets$/))) {
      return this.page(this.cached(`tweets:${m[1]}`, () => this.tweets.filter((t) => t.authorId === m![1])), params);
    }
    if (req.path === '/2/tweets/search/recent') {
      const query = params.get('query') ?? '';
      const excluded = [...query.matchAll(/-from:(\w+)/g)].map((x) => x[1]!.toLowerCase());
      const terms = query.replace(/-from:\w+/g, '').replace(/-is:\w+/g, '').split(/\s+OR\s+|\s+/).map((t) => t.replace(/["()]/g, '').toLowerCase()).filter(Boolean);
      return this.page(this.tweets.filter((t) => {
        const author = this.users.get(t.authorId)?.username.toLowerCase();
        return terms.some((term) => t.text.toLowerCase().includes(term)) && !excluded.includes(author ?? '');
      }), params);
    }
    return undefined;
  }

  private readonly cache = new Map<string, { version: number; tweets: FakeTweet[] }>();
  /** Bumped on every change to `tweets`, so cached filters never outlive an add or a delete. */
  private version = 0;

  /** A filtered list, newest first, recomputed only when tweets were added (keeps big benchmarks about the client). */
  private cached(key: string, filter: () => FakeTweet[]): FakeTweet[] {
    const hit = this.cache.get(key);
    if (hit && hit.version === this.version) return hit.tweets;
    const tweets = filter().sort((a, b) => (idOf(b) > idOf(a) ? 1 : -1));
    this.cache.set(key, { version: this.version, tweets });
    return tweets;
  }

  /** Newest first, after since_id / start_time, max_results a page, next_token as an offset. */
  private page(matching: FakeTweet[], params: URLSearchParams): object {
    const sinceId = params.get('since_id');
    const startTime = params.get('start_time');
    const max = Math.min(100, Number(params.get('max_results') ?? 10));
    const offset = Number(params.get('pagination_token') ?? 0);
    const since = sinceId ? BigInt(sinceId) : undefined;
    const start = startTime ? Date.parse(startTime) : undefined;
    const all = since === undefined && start === undefined
      ? matching
      : this.cached(`${matchingKey(matching)}|${sinceId}|${startTime}`, () =>
          matching.filter((t) => (since === undefined || idOf(t) > since) && (start === undefined || Date.parse(t.createdAt) >= start)));
    const slice = all.slice(offset, offset + max);
    if (slice.length === 0) return { meta: { result_count: 0 } };
    const expansions = (params.get('expansions') ?? '').split(',');
    const authors = [...new Set(slice.map((t) => t.authorId))].map((id) => this.users.get(id)).filter((u): u is FakeUser => u !== undefined);
    const referenced = slice.map((t) => t.repliedTo).filter((id): id is string => id !== undefined).map((id) => this.tweets.find((t) => t.id === id)).filter((t): t is FakeTweet => t !== undefined);
    const includes: Record<string, unknown> = {};
    if (expansions.includes('author_id')) includes.users = authors.map((u) => this.userJson(u));
    if (expansions.includes('referenced_tweets.id')) includes.tweets = referenced.map((t) => this.tweetJson(t));
    const meta: Record<string, unknown> = { result_count: slice.length, newest_id: slice[0]!.id, oldest_id: slice[slice.length - 1]!.id };
    if (offset + max < all.length) meta.next_token = String(offset + max);
    return { data: slice.map((t) => this.tweetJson(t)), includes, meta };
  }

  private userJson(user: FakeUser): object {
    return {
      id: user.id,
      username: user.username,
      name: user.name,
      verified: user.verified ?? false,
      public_metrics: { followers_count: user.followers, following_count: 10, tweet_count: 100, listed_count: 0 },
    };
  }

  private tweetJson(tweet: FakeTweet): object {
    return {
      id: tweet.id,
      text: tweet.text,
      author_id: tweet.authorId,
      created_at: tweet.createdAt,
      conversation_id: tweet.conversationId,
      edit_history_tweet_ids: [tweet.id],
      ...(tweet.inReplyToUserId && { in_reply_to_user_id: tweet.inReplyToUserId }),
      ...((tweet.repliedTo || tweet.quoted) && {
        referenced_tweets: [
          ...(tweet.repliedTo ? [{ type: 'replied_to', id: tweet.repliedTo }] : []),
          ...(tweet.quoted ? [{ type: 'quoted', id: tweet.quoted }] : []),
        ],
      }),
    };
  }

  private send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
