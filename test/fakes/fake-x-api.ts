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
}

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
  private readonly used = new Map<string, number>();
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  private nextId = 1_990_000_000_000_000_000n;

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

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
    };
    this.requests.push(recorded);
    res.on('finish', () => this.onResponded?.(recorded));

    const faultIndex = this.faults.findIndex((f) => f.path === undefined || recorded.path.includes(f.path));
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0]!.fault : undefined;
    if (fault?.kind === 'hang') {
      this.hung.push(res);
      return;
    }
    if (recorded.authorization !== `Bearer ${this.token}`) return this.send(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
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

    const body = this.route(recorded, url.searchParams);
    if (!body) return this.send(res, 404, { title: 'Not Found Error', detail: `no route ${recorded.path}` }, rateHeaders);
    if (fault?.kind === 'drop-includes') delete (body as { includes?: unknown }).includes;
    this.send(res, 200, body, rateHeaders);
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
      ...(tweet.repliedTo && { referenced_tweets: [{ type: 'replied_to', id: tweet.repliedTo }] }),
    };
  }

  private send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
