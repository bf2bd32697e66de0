import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeFake, listenOnLoopback, loopbackOrigin } from './loopback.js';

export interface FakeMastodonAccount {
  id: string;
  username: string;
  displayName: string;
  followers: number;
}

export interface FakeStatus {
  id: string;
  accountId: string;
  /** HTML, as Mastodon serves it. */
  content: string;
  createdAt: string;
  inReplyToId?: string;
  editedAt?: string;
  spoilerText?: string;
  /** Default public. */
  visibility?: 'public' | 'unlisted' | 'private' | 'direct';
}

export interface FakeNotification {
  id: string;
  type: 'mention' | 'favourite' | 'reblog' | 'follow';
  accountId: string;
  statusId?: string;
  createdAt: string;
}

export type MastodonFault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503 | 401 | 403; resetInSeconds?: number }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  /** A proxy's HTML error page (masto surfaces it as a TypeError). */
  | { kind: 'html' }
  /** An empty page that still has a next link (to the same place). */
  | { kind: 'empty-page' };

export interface RecordedMastodonRequest {
  method: string;
  path: string;
  /** Query parameters; repeated ones (`types[]`) joined with commas. */
  query: Record<string, string>;
  authorization: string | undefined;
  /** POST bodies, parsed (JSON or form). */
  body?: Record<string, unknown>;
  idempotencyKey?: string;
}

/**
 * A local stand-in for a Mastodon instance (the endpoints Triage reads), speaking its JSON
 * (snake_case entities, HTML `content`) and its paging: newest first, `max_id`/`since_id`/`min_id`,
 * a Link header with `next` on every non-empty page (the last one too) that keeps `limit` and
 * `types[]` but not `since_id`. `X-RateLimit-*` headers (300 per 5 minutes, the reset an ISO time),
 * and on demand 429, 5xx, 401/403, hangs, bad bodies and HTML error pages.
 */
export class FakeMastodon {
  readonly accounts = new Map<string, FakeMastodonAccount>();
  readonly statuses: FakeStatus[] = [];
  readonly notifications: FakeNotification[] = [];
  readonly requests: RecordedMastodonRequest[] = [];
  readonly faults: Array<{ path?: string; fault: MastodonFault }> = [];
  readonly me: FakeMastodonAccount;
  token = 'test-mastodon-token';
  maxCharacters = 500;
  onResponded: ((request: RecordedMastodonRequest) => void) | undefined;
  /** Statuses posted through the API by the watched account, by Idempotency-Key (Mastodon keeps a key an hour). */
  readonly idempotent = new Map<string, { statusId: string; at: number }>();
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  private clock = Date.now() - 3600_000;
  private seq = 0;

  constructor() {
    this.me = this.addAccount({ username: 'riverbend', displayName: 'Riverbend Health', followers: 4000 });
  }

  async start(): Promise<string> {
    this.server = await listenOnLoopback((req, res) => void this.receive(req, res));
    return this.baseUrl;
  }

  get baseUrl(): string {
    return `${loopbackOrigin(this.server!)}`;
  }

  async stop(): Promise<void> {
    await closeFake(this.server, this.hung);
  }

  addAccount(account: Omit<FakeMastodonAccount, 'id'>): FakeMastodonAccount {
    const full = { ...account, id: String(100 + this.accounts.size) };
    this.accounts.set(full.id, full);
    return full;
  }

  /** An id that grows with time, like Mastodon's snowflakes (ms << 16, plus a sequence). */
  private idAt(at: number): string {
    return String((BigInt(at) << 16n) + BigInt(this.seq++ % 65536));
  }

  /** Adds a status and, when it mentions the watched account (or replies to it), the mention notification. */
  addStatus(status: { account: FakeMastodonAccount; content: string; inReplyToId?: string; createdAt?: string; spoilerText?: string }): FakeStatus {
    const at = status.createdAt === undefined ? (this.clock += 1000) : Date.parse(status.createdAt);
    const full: FakeStatus = {
      id: this.idAt(at),
      accountId: status.account.id,
      content: status.content,
      createdAt: new Date(at).toISOString(),
      ...(status.inReplyToId !== undefined && { inReplyToId: status.inReplyToId }),
      ...(status.spoilerText !== undefined && { spoilerText: status.spoilerText }),
    };
    this.statuses.push(full);
    const parent = this.statuses.find((s) => s.id === status.inReplyToId);
    if (status.account.id !== this.me.id && (status.content.includes(`@${this.me.username}`) || parent?.accountId === this.me.id)) {
      this.notifications.push({ id: this.idAt(at), type: 'mention', accountId: status.account.id, statusId: full.id, createdAt: full.createdAt });
    }
    return full;
  }

  addFavourite(by: FakeMastodonAccount, status: FakeStatus): FakeNotification {
    const at = (this.clock += 1000);
    const n: FakeNotification = { id: this.idAt(at), type: 'favourite', accountId: by.id, statusId: status.id, createdAt: new Date(at).toISOString() };
    this.notifications.push(n);
    return n;
  }

  /** Deleting a status removes its notifications too, as Mastodon does. */
  deleteStatus(id: string): void {
    const i = this.statuses.findIndex((s) => s.id === id);
    if (i >= 0) this.statuses.splice(i, 1);
    for (let n = this.notifications.length - 1; n >= 0; n--) if (this.notifications[n]!.statusId === id) this.notifications.splice(n, 1);
  }

  editStatus(id: string, content: string): void {
    const status = this.statuses.find((s) => s.id === id);
    if (status) Object.assign(status, { content, editedAt: new Date().toISOString() });
  }

  fail(fault: MastodonFault, path?: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(path === undefined ? { fault } : { path, fault });
  }

  requestsTo(pathPart: string): RecordedMastodonRequest[] {
    return this.requests.filter((r) => r.path.includes(pathPart));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const type = req.headers['content-type'] ?? '';
    const body = raw === '' ? undefined : type.includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
    this.handle(req, res, body);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown> | undefined): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
    const key = req.headers['idempotency-key'];
    const recorded: RecordedMastodonRequest = { method: req.method ?? 'GET', path: url.pathname, query, authorization: req.headers.authorization, ...(body && { body }), ...(typeof key === 'string' && { idempotencyKey: key }) };
    this.requests.push(recorded);
    res.on('finish', () => this.onResponded?.(recorded));
    const faultIndex = this.faults.findIndex((f) => f.path === undefined || recorded.path.includes(f.path));
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0]!.fault : undefined;
    if (fault?.kind === 'hang') {
      this.hung.push(res);
      return;
    }
    const limits = { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299', 'x-ratelimit-reset': new Date(Math.ceil(Date.now() / 300_000) * 300_000).toISOString() };
    if (fault?.kind === 'html') {
      res.writeHead(502, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
      return;
    }
    if (recorded.authorization !== `Bearer ${this.token}` || (fault?.kind === 'status' && fault.status === 401)) {
      return this.send(res, 401, { error: 'The access token is invalid' });
    }
    if (fault?.kind === 'status') {
      if (fault.status === 429) {
        const reset = new Date(Date.now() + (fault.resetInSeconds ?? 1) * 1000).toISOString();
        return this.send(res, 429, { error: 'Too many requests' }, { ...limits, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
      }
      if (fault.status === 403) return this.send(res, 403, { error: 'This action is outside the authorized scopes' });
      return this.send(res, fault.status, { error: 'We\'re sorry, but something went wrong on our end.' });
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...limits });
      res.end('[{"id": "1", "type": "mention", "stat');
      return;
    }
    const params = url.searchParams;
    let m: RegExpMatchArray | null;
    if (url.pathname === '/api/v1/accounts/verify_credentials') return this.send(res, 200, { ...this.accountJson(this.me), source: { privacy: 'public', sensitive: false, language: 'en', note: '', fields: [] } }, limits);
    if (url.pathname === '/api/v2/instance') {
      return this.send(res, 200, { domain: '127.0.0.1', title: 'Fake Mastodon', version: '4.5.0', source_url: 'https://github.com/mastodon/mastodon', description: '', configuration: { statuses: { max_characters: this.maxCharacters, max_media_attachments: 4, characters_reserved_per_url: 23 } } }, limits);
    }
    if (url.pathname === '/api/v1/statuses' && recorded.method === 'POST') return this.postStatus(res, recorded, limits);
    if (url.pathname === '/api/v1/notifications') {
      const types = params.getAll('types[]');
      const matching = this.notifications.filter((n) => types.length === 0 || types.includes(n.type));
      return this.page(res, url, matching, (n) => this.notificationJson(n), limits, fault?.kind === 'empty-page');
    }
    if ((m = url.pathname.match(/^\/api\/v1\/accounts\/(\d+)\/statuses$/))) {
      return this.page(res, url, this.statuses.filter((s) => s.accountId === m![1]), (s) => this.statusJson(s), limits, fault?.kind === 'empty-page');
    }
    if ((m = url.pathname.match(/^\/api\/v1\/statuses\/(\d+)$/))) {
      const status = this.statuses.find((s) => s.id === m![1]);
      return status ? this.send(res, 200, this.statusJson(status), limits) : this.send(res, 404, { error: 'Record not found' }, limits);
    }
    this.send(res, 404, { error: 'Record not found' }, limits);
  }

  /**
   * `POST /api/v1/statuses` as Mastodon takes it: `status`, `in_reply_to_id`, `visibility`; a repeated
   * Idempotency-Key within the hour returns the status it created, and posts nothing.
   */
  private postStatus(res: ServerResponse, recorded: RecordedMastodonRequest, limits: Record<string, string>): void {
    const body = recorded.body ?? {};
    const key = recorded.idempotencyKey;
    const earlier = key === undefined ? undefined : this.idempotent.get(key);
    if (earlier && Date.now() - earlier.at < 3600_000) return this.send(res, 200, this.statusJson(this.statuses.find((s) => s.id === earlier.statusId)!), limits);
    const text = typeof body.status === 'string' ? body.status : '';
    if (text.length === 0) return this.send(res, 422, { error: "Validation failed: Text can't be blank" }, limits);
    if ([...text].length > this.maxCharacters) return this.send(res, 422, { error: `Validation failed: Text character limit of ${this.maxCharacters} exceeded` }, limits);
    const inReplyToId = typeof body.in_reply_to_id === 'string' ? body.in_reply_to_id : undefined;
    if (inReplyToId !== undefined && !this.statuses.some((s) => s.id === inReplyToId)) return this.send(res, 404, { error: 'Record not found' }, limits);
    const visibility = (['public', 'unlisted', 'private', 'direct'] as const).find((v) => v === body.visibility) ?? 'public';
    const status = this.addStatus({ account: this.me, content: `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`, ...(inReplyToId !== undefined && { inReplyToId }) });
    status.visibility = visibility;
    if (key !== undefined) this.idempotent.set(key, { statusId: status.id, at: Date.now() });
    this.send(res, 200, this.statusJson(status), limits);
  }

  /** The statuses our account posted in reply to `statusId`. */
  repliesTo(statusId: string): FakeStatus[] {
    return this.statuses.filter((s) => s.accountId === this.me.id && s.inReplyToId === statusId);
  }

  /** Newest first between since_id/min_id and max_id; Link next (max_id = oldest) and prev (min_id = newest). */
  private page<T extends { id: string }>(res: ServerResponse, url: URL, items: T[], json: (item: T) => object, headers: Record<string, string>, empty: boolean): void {
    const params = url.searchParams;
    const big = (id: string | null) => (id === null ? undefined : BigInt(id));
    const maxId = big(params.get('max_id'));
    const sinceId = big(params.get('since_id'));
    const minId = big(params.get('min_id'));
    const limit = Math.min(40, Number(params.get('limit') ?? 20));
    let list = [...items].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1)).filter((i) => (maxId === undefined || BigInt(i.id) < maxId) && (sinceId === undefined || BigInt(i.id) > sinceId));
    // min_id: the page just above it (the oldest of the newer ones), still served newest first.
    if (minId !== undefined) list = list.filter((i) => BigInt(i.id) > minId).slice(-limit);
    const page = list.slice(0, limit);
    const keep = new URLSearchParams();
    if (params.has('limit')) keep.set('limit', params.get('limit')!);
    for (const type of params.getAll('types[]')) keep.append('types[]', type);
    for (const flag of ['exclude_reblogs', 'exclude_replies']) if (params.has(flag)) keep.set(flag, params.get(flag)!);
    const link = (rel: string, key: string, id: string) => {
      const q = new URLSearchParams(keep);
      q.set(key, id);
      return `<${this.baseUrl}${url.pathname}?${q.toString()}>; rel="${rel}"`;
    };
    if (empty) {
      const at = params.get('max_id') ?? String(BigInt(Date.now() + 86_400_000) << 16n);
      return this.send(res, 200, [], { ...headers, link: link('next', 'max_id', at) });
    }
    const linkHeader = page.length === 0 ? {} : { link: `${link('next', 'max_id', page.at(-1)!.id)}, ${link('prev', 'min_id', page[0]!.id)}` };
    this.send(res, 200, page.map(json), { ...headers, ...linkHeader });
  }

  private accountJson(account: FakeMastodonAccount): object {
    return {
      id: account.id, username: account.username, acct: account.username, display_name: account.displayName,
      locked: false, bot: false, discoverable: true, group: false, created_at: '2023-01-01T00:00:00.000Z',
      note: '', url: `${this.baseUrl}/@${account.username}`, uri: `${this.baseUrl}/users/${account.username}`,
      avatar: `${this.baseUrl}/avatars/original/missing.png`, avatar_static: `${this.baseUrl}/avatars/original/missing.png`,
      header: `${this.baseUrl}/headers/original/missing.png`, header_static: `${this.baseUrl}/headers/original/missing.png`,
      followers_count: account.followers, following_count: 10, statuses_count: 100, last_status_at: '2026-11-30', emojis: [], fields: [],
    };
  }

  private statusJson(status: FakeStatus): object {
    const account = this.accounts.get(status.accountId)!;
    const parent = status.inReplyToId === undefined ? undefined : this.statuses.find((s) => s.id === status.inReplyToId);
    return {
      id: status.id, created_at: status.createdAt, in_reply_to_id: status.inReplyToId ?? null, in_reply_to_account_id: parent?.accountId ?? null,
      sensitive: false, spoiler_text: status.spoilerText ?? '', visibility: status.visibility ?? 'public', language: 'en',
      uri: `${this.baseUrl}/users/${account.username}/statuses/${status.id}`, url: `${this.baseUrl}/@${account.username}/${status.id}`,
      replies_count: 0, reblogs_count: 0, favourites_count: 0, edited_at: status.editedAt ?? null, content: status.content,
      reblog: null, application: null, account: this.accountJson(account), media_attachments: [],
      mentions: status.content.includes(`@${this.me.username}`) ? [{ id: this.me.id, username: this.me.username, url: `${this.baseUrl}/@${this.me.username}`, acct: this.me.username }] : [],
      tags: [], emojis: [], card: null, poll: null,
    };
  }

  private notificationJson(n: FakeNotification): object {
    const status = n.statusId === undefined ? undefined : this.statuses.find((s) => s.id === n.statusId);
    return { id: n.id, type: n.type, created_at: n.createdAt, group_key: `ungrouped-${n.id}`, account: this.accountJson(this.accounts.get(n.accountId)!), ...(status && { status: this.statusJson(status) }) };
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }
}
