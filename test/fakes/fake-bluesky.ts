import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeFake, listenOnLoopback, loopbackOrigin } from './loopback.js';

/** An account as the fake knows it; serialised as app.bsky.actor.defs#profileView(Basic). */
export interface FakeBskyAccount {
  did: string;
  handle: string;
  displayName?: string;
}

export interface FakeBskyPost {
  uri: string;
  cid: string;
  authorDid: string;
  text: string;
  createdAt: string;
  indexedAt: string;
  /** at-uri of the post this one replies to (its root is worked out). */
  replyTo?: string;
  /** at-uri of the post this one quotes. */
  quotes?: string;
}

/** A notification of the watched account, in the order Bluesky lists them (newest indexedAt first). */
export interface FakeBskyNotification {
  uri: string;
  cid: string;
  authorDid: string;
  reason: string;
  reasonSubject?: string;
  record: Record<string, unknown>;
  indexedAt: string;
}

export type BlueskyFault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503 | 401 | 403; resetInSeconds?: number }
  /** 400 ExpiredToken, as the PDS answers an access token past its expiry. */
  | { kind: 'expired-token' }
  | { kind: 'hang' }
  /** A truncated JSON body. */
  | { kind: 'malformed' }
  /** Well-formed JSON that breaks the lexicon (the client refuses it). */
  | { kind: 'invalid' }
  /** A proxy's HTML error page. */
  | { kind: 'html' };

export interface RecordedBskyRequest {
  method: string;
  /** The NSID: `app.bsky.notification.listNotifications`. */
  nsid: string;
  path: string;
  /** Query parameters; repeated ones (reasons, uris) joined with commas. */
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const TID_CHARS = '234567abcdefghijklmnopqrstuvwxyz';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** A real CIDv1 string (dag-cbor, sha-256) of `content`: the client checks the format. */
export function fakeCid(content: string): string {
  const digest = createHash('sha256').update(content).digest();
  return `b${base32(Uint8Array.from([0x01, 0x71, 0x12, 0x20, ...digest]))}`;
}

/** A did:plc-shaped identifier (24 base32 characters). */
export function fakeDid(seed: string): string {
  return `did:plc:${base32(createHash('sha256').update(seed).digest()).slice(0, 24)}`;
}

/**
 * A local stand-in for a Bluesky PDS with its AppView behind it, speaking XRPC exactly as the
 * lexicons say (the real `@atproto/api` agent validates every response): createSession /
 * refreshSession with rotating refresh tokens, listNotifications with its `reasons` filter applied
 * after the page is cut (short and empty pages with a cursor), getAuthorFeed, getPosts, searchPosts,
 * `ratelimit-*` headers, and on demand 429, 5xx, 401/403, ExpiredToken, hangs and bad bodies.
 */
export class FakeBluesky {
  readonly accounts = new Map<string, FakeBskyAccount>();
  readonly posts: FakeBskyPost[] = [];
  readonly notifications: FakeBskyNotification[] = [];
  readonly requests: RecordedBskyRequest[] = [];
  readonly faults: Array<{ path?: string; fault: BlueskyFault }> = [];
  /** The watched account and its app password. */
  readonly me: FakeBskyAccount;
  appPassword = 'abcd-efgh-ijkl-mnop';
  /** createSession calls that succeeded (bsky.social allows about 100 a day). */
  sessionsCreated = 0;
  onResponded: ((request: RecordedBskyRequest) => void) | undefined;
  private readonly accessTokens = new Map<string, { expired: boolean }>();
  private refreshToken: string | undefined;
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  private clock = Date.now() - 3600_000;
  private tidCounter = 0;

  constructor(me: { handle: string; displayName?: string } = { handle: 'riverbend.bsky.social', displayName: 'Riverbend Health' }) {
    this.me = this.addAccount(me);
  }

  async start(): Promise<string> {
    this.server = await listenOnLoopback((req, res) => void this.handle(req, res));
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `${loopbackOrigin(this.server!)}`;
  }

  async stop(): Promise<void> {
    await closeFake(this.server, this.hung);
  }

  addAccount(account: { handle: string; displayName?: string; did?: string }): FakeBskyAccount {
    const full: FakeBskyAccount = { did: account.did ?? fakeDid(account.handle), handle: account.handle, ...(account.displayName !== undefined && { displayName: account.displayName }) };
    this.accounts.set(full.did, full);
    return full;
  }

  /**
   * Adds a post (indexed one second after the previous one unless `indexedAt` is given) and the
   * notification the watched account gets for it: mention (its text has @handle; wins over reply),
   * reply (to one of our posts) or quote.
   */
  addPost(post: { author: FakeBskyAccount; text: string; replyTo?: string; quotes?: string; createdAt?: string; indexedAt?: string }): FakeBskyPost {
    const indexedAt = post.indexedAt ?? this.tick();
    const uri = `at://${post.author.did}/app.bsky.feed.post/${this.tid()}`;
    const full: FakeBskyPost = {
      uri,
      cid: fakeCid(`${uri}${post.text}`),
      authorDid: post.author.did,
      text: post.text,
      createdAt: post.createdAt ?? indexedAt,
      indexedAt,
      ...(post.replyTo !== undefined && { replyTo: post.replyTo }),
      ...(post.quotes !== undefined && { quotes: post.quotes }),
    };
    this.posts.push(full);
    if (post.author.did !== this.me.did) {
      const parent = post.replyTo === undefined ? undefined : this.posts.find((p) => p.uri === post.replyTo);
      const quoted = post.quotes === undefined ? undefined : this.posts.find((p) => p.uri === post.quotes);
      const reason = post.text.toLowerCase().includes(`@${this.me.handle.toLowerCase()}`) ? 'mention'
        : parent?.authorDid === this.me.did ? 'reply'
          : quoted?.authorDid === this.me.did ? 'quote'
            : undefined;
      if (reason !== undefined) {
        this.notifications.push({
          uri,
          cid: full.cid,
          authorDid: post.author.did,
          reason,
          ...(reason !== 'mention' && { reasonSubject: (parent ?? quoted)!.uri }),
          record: this.recordOf(full),
          indexedAt,
        });
      }
    }
    return full;
  }

  /** A like of one of our posts: a notification the source must ignore. */
  addLike(by: FakeBskyAccount, subject: FakeBskyPost, indexedAt = this.tick()): FakeBskyNotification {
    const uri = `at://${by.did}/app.bsky.feed.like/${this.tid()}`;
    const notification: FakeBskyNotification = {
      uri,
      cid: fakeCid(uri),
      authorDid: by.did,
      reason: 'like',
      reasonSubject: subject.uri,
      record: { $type: 'app.bsky.feed.like', subject: { uri: subject.uri, cid: subject.cid }, createdAt: indexedAt },
      indexedAt,
    };
    this.notifications.push(notification);
    return notification;
  }

  /** Deletes a post: it leaves feeds, search, getPosts and the notifications. */
  deletePost(uri: string): void {
    const i = this.posts.findIndex((p) => p.uri === uri);
    if (i >= 0) this.posts.splice(i, 1);
    const n = this.notifications.findIndex((x) => x.uri === uri);
    if (n >= 0) this.notifications.splice(n, 1);
  }

  fail(fault: BlueskyFault, path?: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(path === undefined ? { fault } : { path, fault });
  }

  /** Every access token handed out so far now answers 400 ExpiredToken (the agent refreshes). */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expired = true;
  }

  /** The refresh token is revoked too: only a new login helps. */
  revokeSessions(): void {
    this.expireAccessTokens();
    this.refreshToken = undefined;
  }

  requestsTo(nsid: string): RecordedBskyRequest[] {
    return this.requests.filter((r) => r.nsid === nsid);
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private tid(): string {
    let n = BigInt(this.clock) * 1000n + BigInt(this.tidCounter++ % 1000);
    let out = '';
    for (let i = 0; i < 13; i++) {
      out = TID_CHARS[Number(n & 31n)] + out;
      n >>= 5n;
    }
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const recorded: RecordedBskyRequest = {
      method: req.method ?? 'GET',
      nsid: url.pathname.replace(/^\/xrpc\//, ''),
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
      body: raw === '' ? undefined : safeJson(raw),
    };
    this.requests.push(recorded);
    res.on('finish', () => this.onResponded?.(recorded));

    const faultIndex = this.faults.findIndex((f) => f.path === undefined || recorded.nsid.includes(f.path));
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0]!.fault : undefined;
    if (fault?.kind === 'hang') {
      this.hung.push(res);
      return;
    }
    const limits = { 'ratelimit-limit': '3000', 'ratelimit-remaining': '2999', 'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 300), 'ratelimit-policy': '3000;w=300' };
    if (fault?.kind === 'status') {
      if (fault.status === 429) {
        const reset = String(Math.ceil(Date.now() / 1000) + (fault.resetInSeconds ?? 1));
        return this.send(res, 429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }, { ...limits, 'ratelimit-remaining': '0', 'ratelimit-reset': reset });
      }
      if (fault.status === 401) return this.send(res, 401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
      if (fault.status === 403) return this.send(res, 403, { error: 'Forbidden', message: 'Account has been suspended' });
      return this.send(res, fault.status, { error: 'InternalServerError', message: 'Internal Server Error' });
    }
    if (fault?.kind === 'html') {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }

    if (recorded.nsid === 'com.atproto.server.createSession') return this.createSession(res, recorded.body as { identifier?: string; password?: string } | undefined);
    if (recorded.nsid === 'com.atproto.server.refreshSession') return this.refreshSession(res, recorded.authorization);

    const token = recorded.authorization?.replace(/^Bearer /, '') ?? '';
    const access = this.accessTokens.get(token);
    if (!access) return this.send(res, 401, { error: 'AuthenticationRequired', message: 'Authentication Required' });
    if (access.expired || fault?.kind === 'expired-token') return this.send(res, 400, { error: 'ExpiredToken', message: 'Token has expired' });
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...limits });
      res.end('{"notifications": [{"uri": "at://trunc');
      return;
    }
    if (fault?.kind === 'invalid') return this.send(res, 200, { notifications: [{ uri: 'not-an-at-uri', reason: 'mention' }], feed: 'nope', posts: 'nope' }, limits);

    if (recorded.nsid === 'com.atproto.repo.createRecord' && recorded.method === 'POST') return this.createRecord(res, recorded.body, limits);
    if (recorded.nsid === 'com.atproto.repo.getRecord') return this.getRecord(res, url.searchParams, limits);
    const body = this.route(recorded.nsid, url.searchParams);
    if (!body) return this.send(res, 501, { error: 'MethodNotImplemented', message: `Method Not Implemented: ${recorded.nsid}` });
    this.send(res, 200, body, limits);
  }

  /** Our account's posts written through createRecord (replies from the card). */
  ownReplies(parentUri?: string): FakeBskyPost[] {
    return this.posts.filter((p) => p.authorDid === this.me.did && (parentUri === undefined || p.replyTo === parentUri));
  }

  /**
   * `com.atproto.repo.createRecord` as a PDS takes it: only into our own repo, an `app.bsky.feed.post`
   * whose reply refs name existing posts by uri and cid; a record key already taken is refused.
   */
  private createRecord(res: ServerResponse, body: unknown, limits: Record<string, string>): void {
    const input = body as { repo?: string; collection?: string; rkey?: string; record?: { $type?: string; text?: string; createdAt?: string; reply?: { root?: { uri?: string; cid?: string }; parent?: { uri?: string; cid?: string } } } } | undefined;
    if (input?.repo !== this.me.did && input?.repo !== this.me.handle) return this.send(res, 400, { error: 'InvalidRequest', message: 'Input/repo must be the authenticated account' });
    if (input.collection !== 'app.bsky.feed.post' || input.record?.$type !== 'app.bsky.feed.post' || typeof input.record.text !== 'string' || typeof input.record.createdAt !== 'string') {
      return this.send(res, 400, { error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record' });
    }
    if ([...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(input.record.text)].length > 300) return this.send(res, 400, { error: 'InvalidRequest', message: 'Record/text must not be longer than 300 graphemes' });
    const rkey = input.rkey ?? this.tid();
    if (!/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/.test(rkey)) return this.send(res, 400, { error: 'InvalidRequest', message: 'Input/rkey must be a valid TID' });
    const uri = `at://${this.me.did}/app.bsky.feed.post/${rkey}`;
    if (this.posts.some((p) => p.uri === uri)) return this.send(res, 400, { error: 'InvalidRequest', message: `Record already exists: ${uri}` });
    const reply = input.record.reply;
    const refOk = (ref: { uri?: string; cid?: string } | undefined) => ref !== undefined && this.posts.some((p) => p.uri === ref.uri && p.cid === ref.cid);
    if (reply !== undefined && (!refOk(reply.root) || !refOk(reply.parent))) return this.send(res, 400, { error: 'InvalidRequest', message: 'Record/reply: root and parent must be strong refs to existing posts' });
    const indexedAt = this.tick();
    const post: FakeBskyPost = { uri, cid: fakeCid(`${uri}${input.record.text}`), authorDid: this.me.did, text: input.record.text, createdAt: input.record.createdAt, indexedAt, ...(reply?.parent?.uri !== undefined && { replyTo: reply.parent.uri }) };
    this.posts.push(post);
    this.send(res, 200, { uri: post.uri, cid: post.cid, commit: { cid: fakeCid(`commit${uri}`), rev: this.tid() }, validationStatus: 'valid' }, limits);
  }

  private getRecord(res: ServerResponse, params: URLSearchParams, limits: Record<string, string>): void {
    const repo = params.get('repo');
    const did = repo === this.me.handle ? this.me.did : repo;
    const post = this.posts.find((p) => p.uri === `at://${did}/${params.get('collection')}/${params.get('rkey')}`);
    if (!post) return this.send(res, 400, { error: 'RecordNotFound', message: 'Could not locate record' }, limits);
    this.send(res, 200, { uri: post.uri, cid: post.cid, value: this.recordOf(post) }, limits);
  }

  private createSession(res: ServerResponse, body: { identifier?: string; password?: string } | undefined): void {
    const id = body?.identifier?.toLowerCase();
    if ((id !== this.me.handle.toLowerCase() && id !== this.me.did) || body?.password !== this.appPassword) {
      return this.send(res, 401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
    }
    this.sessionsCreated++;
    this.send(res, 200, this.newSession());
  }

  private refreshSession(res: ServerResponse, authorization: string | undefined): void {
    const token = authorization?.replace(/^Bearer /, '');
    if (token === undefined || token !== this.refreshToken) return this.send(res, 400, { error: 'ExpiredToken', message: 'Token has been revoked' });
    this.send(res, 200, this.newSession());
  }

  /** New access and refresh tokens; the old refresh token stops working (they rotate). */
  private newSession(): object {
    const access = `access-${randomBytes(12).toString('hex')}`;
    this.accessTokens.set(access, { expired: false });
    this.refreshToken = `refresh-${randomBytes(12).toString('hex')}`;
    return {
      did: this.me.did,
      handle: this.me.handle,
      accessJwt: access,
      refreshJwt: this.refreshToken,
      email: 'social@riverbend.example',
      emailConfirmed: true,
      emailAuthFactor: false,
      active: true,
      didDoc: {
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: this.me.did,
        alsoKnownAs: [`at://${this.me.handle}`],
        verificationMethod: [],
        service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: this.baseUrl }],
      },
    };
  }

  private route(nsid: string, params: URLSearchParams): object | undefined {
    const limit = Math.min(100, Number(params.get('limit') ?? 50));
    switch (nsid) {
      case 'com.atproto.server.getSession':
        return { did: this.me.did, handle: this.me.handle, email: 'social@riverbend.example', emailConfirmed: true, emailAuthFactor: false, active: true };
      case 'app.bsky.notification.listNotifications': {
        const reasons = params.getAll('reasons');
        const { page, cursor } = this.keyset(this.notifications, params.get('cursor'), limit);
        const notifications = page
          .filter((n) => reasons.length === 0 || reasons.includes(n.reason))
          .map((n) => ({ uri: n.uri, cid: n.cid, author: this.profileView(n.authorDid), reason: n.reason, ...(n.reasonSubject !== undefined && { reasonSubject: n.reasonSubject }), record: n.record, isRead: false, indexedAt: n.indexedAt, labels: [] }));
        return { notifications, ...(cursor !== undefined && { cursor }), priority: false };
      }
      case 'app.bsky.feed.getAuthorFeed': {
        const actor = params.get('actor') ?? '';
        const account = [...this.accounts.values()].find((a) => a.did === actor || a.handle === actor);
        if (!account) return undefined;
        const { page, cursor } = this.keyset(this.posts.filter((p) => p.authorDid === account.did), params.get('cursor'), limit);
        return { feed: page.map((p) => ({ post: this.postView(p), ...(p.replyTo !== undefined && { reply: this.replyRef(p) }) })), ...(cursor !== undefined && { cursor }) };
      }
      case 'app.bsky.feed.getPosts': {
        const uris = params.getAll('uris');
        return { posts: uris.map((u) => this.posts.find((p) => p.uri === u)).filter((p): p is FakeBskyPost => p !== undefined).map((p) => this.postView(p)) };
      }
      case 'app.bsky.feed.searchPosts': {
        const terms = (params.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
        const since = params.get('since');
        const matching = this.sorted(this.posts).filter((p) => terms.some((t) => p.text.toLowerCase().includes(t)) && (since === null || Date.parse(p.indexedAt) >= Date.parse(since)));
        const offset = Number(params.get('cursor') ?? 0);
        const page = matching.slice(offset, offset + limit);
        return { posts: page.map((p) => this.postView(p)), hitsTotal: matching.length, ...(offset + limit < matching.length && { cursor: String(offset + limit) }) };
      }
      default:
        return undefined;
    }
  }

  private sorted<T extends { indexedAt: string; uri: string }>(items: T[]): T[] {
    return [...items].sort((a, b) => (a.indexedAt === b.indexedAt ? (a.uri < b.uri ? 1 : -1) : a.indexedAt < b.indexedAt ? 1 : -1));
  }

  /** Newest first; the cursor is the last item's `indexedAt::uri`, and none comes back on the last page. */
  private keyset<T extends { indexedAt: string; uri: string }>(items: T[], cursor: string | null, limit: number): { page: T[]; cursor?: string } {
    const all = this.sorted(items);
    const [at, uri] = cursor ? cursor.split('::') : [];
    const after = cursor ? all.filter((i) => i.indexedAt < at! || (i.indexedAt === at && i.uri < uri!)) : all;
    const page = after.slice(0, limit);
    const last = page.at(-1);
    return after.length > limit && last ? { page, cursor: `${last.indexedAt}::${last.uri}` } : { page };
  }

  private profileView(did: string): object {
    const account = this.accounts.get(did) ?? { did, handle: 'handle.invalid' };
    return { did: account.did, handle: account.handle, ...(account.displayName !== undefined && { displayName: account.displayName }), labels: [], viewer: { muted: false, blockedBy: false }, createdAt: '2023-04-01T00:00:00.000Z' };
  }

  private recordOf(post: FakeBskyPost): Record<string, unknown> {
    const record: Record<string, unknown> = { $type: 'app.bsky.feed.post', text: post.text, createdAt: post.createdAt, langs: ['en'] };
    if (post.replyTo !== undefined) {
      const parent = this.posts.find((p) => p.uri === post.replyTo);
      const root = parent ? this.rootOf(parent) : undefined;
      record.reply = {
        root: { uri: root?.uri ?? post.replyTo, cid: root?.cid ?? fakeCid(post.replyTo) },
        parent: { uri: post.replyTo, cid: parent?.cid ?? fakeCid(post.replyTo) },
      };
    }
    if (post.quotes !== undefined) {
      const quoted = this.posts.find((p) => p.uri === post.quotes);
      record.embed = { $type: 'app.bsky.embed.record', record: { uri: post.quotes, cid: quoted?.cid ?? fakeCid(post.quotes) } };
    }
    return record;
  }

  private rootOf(post: FakeBskyPost): FakeBskyPost {
    let current = post;
    for (let parent = current.replyTo && this.posts.find((p) => p.uri === current.replyTo); parent; parent = current.replyTo && this.posts.find((p) => p.uri === current.replyTo)) current = parent;
    return current;
  }

  private postView(post: FakeBskyPost): object {
    return {
      $type: 'app.bsky.feed.defs#postView',
      uri: post.uri,
      cid: post.cid,
      author: this.profileView(post.authorDid),
      record: this.recordOf(post),
      replyCount: 0,
      repostCount: 0,
      likeCount: 0,
      quoteCount: 0,
      bookmarkCount: 0,
      indexedAt: post.indexedAt,
      viewer: { threadMuted: false, embeddingDisabled: false },
      labels: [],
    };
  }

  private replyRef(post: FakeBskyPost): object {
    const view = (uri: string) => {
      const found = this.posts.find((p) => p.uri === uri);
      return found ? this.postView(found) : { $type: 'app.bsky.feed.defs#notFoundPost', uri, notFound: true };
    };
    const record = this.recordOf(post) as { reply: { root: { uri: string }; parent: { uri: string } } };
    return { root: view(record.reply.root.uri), parent: view(record.reply.parent.uri) };
  }

  private send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
