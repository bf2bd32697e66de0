import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeFake, listenOnLoopback, loopbackOrigin } from './loopback.js';

/** Someone on Facebook as the fake knows them. */
export interface FakeFbUser {
  id: string;
  name: string;
}

export interface FakeFbPost {
  id: string;
  message?: string;
  from: FakeFbUser;
  createdAt: number;
}

export interface FakeFbComment {
  id: string;
  postId: string;
  /** The comment this one replies to (a nested reply). */
  parentId?: string;
  message?: string;
  from: FakeFbUser;
  createdAt: number;
}

export interface FakeFbRating {
  storyId: string;
  reviewer: FakeFbUser;
  recommendation: 'positive' | 'negative';
  text?: string;
  createdAt: number;
}

export type FbFault =
  | { kind: 'status'; status: 500 | 502 | 503 }
  /** Graph's transient error: HTTP 500 with `is_transient: true`. */
  | { kind: 'transient' }
  /** Business Use Case throttle: code 80001 (or 4, 32) with `X-Business-Use-Case-Usage`. */
  | { kind: 'throttle'; code?: 4 | 32 | 80001; regainMinutes: number }
  /** OAuth 190: the token expired or was revoked. */
  | { kind: 'auth' }
  | { kind: 'permission' }
  | { kind: 'malformed' }
  /** A proxy's HTML error page. */
  | { kind: 'html' }
  | { kind: 'hang' }
  /** `data: []` that still has a `next` link (Graph filters a page after cutting it). */
  | { kind: 'empty-page' };

export interface FbRecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  /** The form fields of a write (`message`). */
  form?: Record<string, string>;
}

/** Graph time: `2026-11-30T21:04:05+0000`. */
export function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

const encodeCursor = (offset: number, salt = '') => Buffer.from(`${offset}${salt}`).toString('base64url');
const decodeCursor = (cursor: string | null) => (cursor ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) || 0 : 0);

/**
 * A local stand-in for the Graph API (the calls Triage makes), under `/v26.0`: the page node,
 * `/{page}/feed`, `/{post}/comments?filter=stream&order=reverse_chronological`, a comment's replies
 * (`/{comment}/comments`), the Page's replies (`POST /{id}/comments`, form `message`), `/{page}/ratings`
 * (error 12 unless `ratingsAvailable`), cursor paging with `paging.cursors` and `paging.next`, error
 * bodies as Graph writes them and the usage header, with faults on demand.
 */
export class FakeFacebook {
  readonly page: FakeFbUser = { id: '1500000000001', name: 'Riverbend Health' };
  readonly posts: FakeFbPost[] = [];
  readonly comments: FakeFbComment[] = [];
  readonly ratings: FakeFbRating[] = [];
  readonly requests: FbRecordedRequest[] = [];
  readonly faults: Array<{ path?: string; fault: FbFault }> = [];
  token = 'EAAfake-page-token';
  version = 'v26.0';
  /** Graph versions up to v21 still serve page recommendations. */
  ratingsAvailable = false;
  onResponded: ((request: FbRecordedRequest) => void) | undefined;
  /** The clock the Page's own comments are stamped with. */
  now: () => number = () => Date.now();
  private readonly hung: ServerResponse[] = [];
  private server: Server | undefined;
  /** Ids are counted from here: several fakes side by side (one per account) start apart, as real ids never collide. */
  counter = 0;

  async start(): Promise<string> {
    this.server = await listenOnLoopback((req, res) => this.handle(req, res));
    return this.baseUrl;
  }

  /** The versioned base, as FACEBOOK_GRAPH_URL. */
  get baseUrl(): string {
    return `${loopbackOrigin(this.server!)}/${this.version}`;
  }

  async stop(): Promise<void> {
    await closeFake(this.server, this.hung);
  }

  addPost(post: { message?: string; from?: FakeFbUser; createdAt?: number }): FakeFbPost {
    const full: FakeFbPost = { id: `${this.page.id}_${++this.counter + 100000}`, from: post.from ?? this.page, createdAt: post.createdAt ?? Date.now(), ...(post.message !== undefined && { message: post.message }) };
    this.posts.push(full);
    return full;
  }

  addComment(comment: { postId: string; parentId?: string; message?: string; from: FakeFbUser; createdAt?: number }): FakeFbComment {
    const postNumber = comment.postId.split('_')[1];
    const full: FakeFbComment = { ...comment, id: `${postNumber}_${++this.counter + 500000}`, createdAt: comment.createdAt ?? Date.now() };
    this.comments.push(full);
    return full;
  }

  addRating(rating: Omit<FakeFbRating, 'storyId' | 'createdAt'> & { createdAt?: number }): FakeFbRating {
    const full: FakeFbRating = { ...rating, storyId: `${++this.counter + 900000}`, createdAt: rating.createdAt ?? Date.now() };
    this.ratings.push(full);
    return full;
  }

  removeComment(id: string): void {
    const index = this.comments.findIndex((c) => c.id === id);
    if (index >= 0) this.comments.splice(index, 1);
  }

  fail(fault: FbFault, path?: string, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(path === undefined ? { fault } : { path, fault });
  }

  requestsTo(pathPart: string): FbRecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(pathPart));
  }

  /** The Page's own comments under `nodeId` (a post or a comment), oldest first. */
  ownReplies(nodeId?: string): FakeFbComment[] {
    return this.comments.filter((c) => c.from.id === this.page.id && (nodeId === undefined || c.parentId === nodeId || (c.parentId === undefined && c.postId === nodeId)));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk)).on('end', () => this.route(req, res, raw));
  }

  private route(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: FbRecordedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization };
    if (recorded.method === 'POST') recorded.form = Object.fromEntries(new URLSearchParams(raw));
    this.requests.push(recorded);
    res.on('finish', () => this.onResponded?.(recorded));
    const index = this.faults.findIndex((f) => f.path === undefined || recorded.path.includes(f.path));
    const fault = index >= 0 ? this.faults.splice(index, 1)[0]!.fault : undefined;
    if (fault?.kind === 'hang') return void this.hung.push(res);

    const token = recorded.authorization?.replace(/^(Bearer|OAuth) /, '') ?? url.searchParams.get('access_token');
    if (token !== this.token || fault?.kind === 'auth') {
      return this.error(res, 400, { message: token ? 'Error validating access token: Session has expired on Tuesday, 01-Dec-26 09:00:00 PST.' : 'An active access token must be used to query information about the current user.', type: 'OAuthException', code: 190, ...(token && { error_subcode: 463 }) }, { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Error validating access token"' });
    }
    if (fault?.kind === 'permission') return this.error(res, 403, { message: '(#10) This endpoint requires the \'pages_read_engagement\' permission or the \'Page Public Content Access\' feature.', type: 'OAuthException', code: 10 });
    if (fault?.kind === 'throttle') {
      const code = fault.code ?? 80001;
      const usage = { [this.page.id]: [{ type: 'pages', call_count: 100, total_cputime: 40, total_time: 60, estimated_time_to_regain_access: fault.regainMinutes }] };
      return this.error(res, 400, { message: code === 80001 ? 'There have been too many calls to this Page account. Wait a bit and try again.' : '(#4) Application request limit reached', type: 'OAuthException', code, is_transient: true }, { 'x-business-use-case-usage': JSON.stringify(usage) });
    }
    if (fault?.kind === 'transient') return this.error(res, 500, { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true });
    if (fault?.kind === 'status') return this.error(res, fault.status, { message: 'Service temporarily unavailable', type: 'FacebookApiException', code: 1, is_transient: false });
    if (fault?.kind === 'html') {
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"data": [{"id": "1", "message": "trunc');
    }

    const prefix = `/${this.version}/`;
    if (!recorded.path.startsWith(prefix)) return this.error(res, 400, { message: 'Unknown path components', type: 'OAuthException', code: 2500 });
    const parts = recorded.path.slice(prefix.length).split('/');
    const [node, edge] = parts;
    if (node === this.page.id && edge === undefined) return this.send(res, { id: this.page.id, name: this.page.name });
    if (node === this.page.id && edge === 'feed') {
      const posts = [...this.posts].sort((a, b) => b.createdAt - a.createdAt).map((p) => this.postJson(p));
      return this.send(res, this.paged(posts, url, fault?.kind === 'empty-page'));
    }
    if (node === this.page.id && edge === 'ratings') {
      if (!this.ratingsAvailable) return this.error(res, 400, { message: '(#12) ratings field is deprecated for versions v22.0 and higher', type: 'OAuthException', code: 12 });
      const ratings = [...this.ratings].sort((a, b) => b.createdAt - a.createdAt).map((r) => ({
        created_time: graphTime(r.createdAt),
        recommendation_type: r.recommendation,
        ...(r.text !== undefined && { review_text: r.text }),
        reviewer: r.reviewer,
        open_graph_story: { id: r.storyId },
      }));
      return this.send(res, this.paged(ratings, url, fault?.kind === 'empty-page'));
    }
    if (node && edge === 'comments' && recorded.method === 'POST') return this.comment(res, node, recorded.form ?? {});
    const onComment = node === undefined ? undefined : this.comments.find((c) => c.id === node);
    if (onComment && edge === 'comments') {
      // A comment's replies (Facebook threads one level deep).
      const reverse = url.searchParams.get('order') === 'reverse_chronological';
      const replies = this.comments.filter((c) => c.parentId === node).sort((a, b) => (reverse ? b.createdAt - a.createdAt : a.createdAt - b.createdAt)).map((c) => this.commentJson(c));
      return this.send(res, this.paged(replies, url, fault?.kind === 'empty-page'));
    }
    if (node && edge === 'comments' && this.posts.some((p) => p.id === node)) {
      const reverse = url.searchParams.get('order') === 'reverse_chronological';
      const stream = url.searchParams.get('filter') === 'stream';
      const comments = this.comments
        .filter((c) => c.postId === node && (stream || c.parentId === undefined))
        .sort((a, b) => (reverse ? b.createdAt - a.createdAt : a.createdAt - b.createdAt))
        .map((c) => this.commentJson(c));
      return this.send(res, this.paged(comments, url, fault?.kind === 'empty-page'));
    }
    return this.error(res, 400, { message: `Unsupported get request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, type: 'GraphMethodException', code: 100, error_subcode: 33 });
  }

  /**
   * `POST /{object-id}/comments` as the Page: on a post a comment, on a comment a reply; a reply to a
   * reply lands under its top-level comment, as Facebook threads one level deep. Answers `{ id }`.
   */
  private comment(res: ServerResponse, node: string, form: Record<string, string>): void {
    const message = form.message;
    if (typeof message !== 'string' || message.trim() === '') return this.error(res, 400, { message: '(#100) Missing message or attachment', type: 'OAuthException', code: 100 });
    if (message.length > 8000) return this.error(res, 400, { message: '(#100) Param message must be at most 8000 characters long.', type: 'OAuthException', code: 100 });
    const post = this.posts.find((p) => p.id === node);
    const parent = this.comments.find((c) => c.id === node);
    if (!post && !parent) return this.error(res, 400, { message: `Unsupported post request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, type: 'GraphMethodException', code: 100, error_subcode: 33 });
    const created = this.addComment({ postId: post?.id ?? parent!.postId, ...(parent && { parentId: parent.parentId ?? parent.id }), message, from: this.page, createdAt: this.now() });
    this.send(res, { id: created.id });
  }

  private paged(items: object[], url: URL, empty: boolean): object {
    const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 25));
    const offset = decodeCursor(url.searchParams.get('after'));
    const nextUrl = (after: string) => {
      const next = new URL(url.href.replace('http://fake', this.baseUrl.replace(`/${this.version}`, '')));
      next.searchParams.set('after', after);
      return next.href;
    };
    if (empty) {
      // Nothing survived the page's filtering, but the list goes on: the cursor still points at `offset`.
      const after = encodeCursor(offset, `.${++this.counter}`);
      return { data: [], paging: { cursors: { before: after, after }, next: nextUrl(after) } };
    }
    const slice = items.slice(offset, offset + limit);
    if (slice.length === 0) return { data: [] };
    const paging: Record<string, unknown> = { cursors: { before: encodeCursor(offset), after: encodeCursor(offset + slice.length) } };
    if (offset + limit < items.length) paging.next = nextUrl(encodeCursor(offset + slice.length));
    return { data: slice, paging };
  }

  private updatedTime(post: FakeFbPost): number {
    return Math.max(post.createdAt, ...this.comments.filter((c) => c.postId === post.id).map((c) => c.createdAt));
  }

  private postJson(post: FakeFbPost): object {
    return {
      id: post.id,
      ...(post.message !== undefined && { message: post.message }),
      created_time: graphTime(post.createdAt),
      updated_time: graphTime(this.updatedTime(post)),
      permalink_url: `https://www.facebook.com/${post.id.replace('_', '/posts/')}`,
      from: post.from,
    };
  }

  private commentJson(comment: FakeFbComment): object {
    const parent = comment.parentId === undefined ? undefined : this.comments.find((c) => c.id === comment.parentId);
    return {
      id: comment.id,
      ...(comment.message !== undefined && { message: comment.message }),
      created_time: graphTime(comment.createdAt),
      permalink_url: `https://www.facebook.com/${comment.postId.replace('_', '/posts/')}?comment_id=${comment.id}`,
      from: comment.from,
      ...(parent && { parent: { id: parent.id, ...(parent.message !== undefined && { message: parent.message }) } }),
    };
  }

  private error(res: ServerResponse, status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify({ error: { ...error, fbtrace_id: `Afake${this.counter}` } }));
  }

  private send(res: ServerResponse, body: object): void {
    const usage = { [this.page.id]: [{ type: 'pages', call_count: 1, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 }] };
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'x-business-use-case-usage': JSON.stringify(usage) });
    res.end(JSON.stringify(body));
  }
}
