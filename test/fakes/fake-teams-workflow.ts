import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One card Workflows accepted, as posted. */
export interface TeamsPost {
  at: number;
  /** The workflow it was posted to (the id in its URL; `0a1b2c3d` for {@link FakeTeamsWorkflow.url}). */
  flow: string;
  idempotencyKey: string | undefined;
  /** The Adaptive Card (the envelope's first attachment's content). */
  card: { version: string; body: Array<Record<string, unknown>>; actions?: Array<{ type: string; title: string; url: string }> };
  raw: string;
}

/** Versions Teams renders (Workflows posts what it is given; Teams shows an error card for newer ones). */
const VERSIONS = new Set(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']);
const ELEMENTS = new Set(['TextBlock', 'RichTextBlock', 'Container', 'ColumnSet', 'Column', 'FactSet', 'Image', 'ImageSet', 'ActionSet']);
const ACTIONS = new Set(['Action.OpenUrl', 'Action.ShowCard', 'Action.ToggleVisibility']);

/**
 * A local stand-in for a Teams Workflows "When a Teams webhook request is received" trigger:
 * POST JSON to `/workflows/<id>/triggers/manual/paths/invoke?api-version=2016-06-01&sig=…`,
 * answered 202 with an empty body (as Power Automate does). It checks what the real flow's
 * "Post card in a chat or channel" step needs and Teams renders: the message envelope, one
 * Adaptive Card attachment, a version Teams knows, known element and action types, https(s) links,
 * and the 28 KB message limit; a bad signature is 401. Throttling answers 429 with Retry-After.
 */
export class FakeTeamsWorkflow {
  readonly posts: TeamsPost[] = [];
  /** Every request, accepted or not: `status` as answered. */
  readonly requests: Array<{ status: number; problem?: string }> = [];
  private server: Server | undefined;
  private port = 0;
  private throttled = 0;
  private retryAfter = '1';
  /** Throttling of one workflow only: flow id → posts still to answer 429. */
  private throttledFlows = new Map<string, number>();
  private failures: number[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly sig = 'fake-signature';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** What TEAMS_WORKFLOW_URL is set to. */
  get url(): string {
    return this.urlOf('0a1b2c3d');
  }

  /** The URL of another workflow on the same fake (another Teams channel): `flow` is its id. */
  urlOf(flow: string): string {
    return `http://127.0.0.1:${this.port}/workflows/${flow}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${this.sig}`;
  }

  /** The posts one workflow accepted. */
  postsTo(flow: string): TeamsPost[] {
    return this.posts.filter((p) => p.flow === flow);
  }

  /** The next `n` posts (to `flow` only, when given) are answered 429 with this Retry-After (seconds, or an HTTP date). */
  throttle(n: number, retryAfter = '1', flow?: string): void {
    if (flow === undefined) this.throttled = n;
    else this.throttledFlows.set(flow, n);
    this.retryAfter = retryAfter;
  }

  /** The next posts are answered with these statuses, in order (a 5xx: Workflows down). */
  fail(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** Resolves once `n` cards in all have been accepted. */
  waitForPosts(n: number): Promise<void> {
    if (this.posts.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const answer = (status: number, body = '', headers: Record<string, string> = {}, problem?: string) => {
      this.requests.push({ status, ...(problem && { problem }) });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://x');
    const path = /^\/workflows\/([\w-]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname);
    if (req.method !== 'POST' || !path) return answer(404, '{"error":{"code":"TriggerNotFound"}}');
    const flow = path[1]!;
    if (url.searchParams.get('sig') !== this.sig) return answer(401, '{"error":{"code":"DirectApiAuthorizationRequired","message":"The request must be authenticated"}}');
    const flowThrottled = this.throttledFlows.get(flow) ?? 0;
    if (this.throttled > 0 || flowThrottled > 0) {
      if (flowThrottled > 0) this.throttledFlows.set(flow, flowThrottled - 1);
      else this.throttled--;
      return answer(429, '{"error":{"code":"WorkflowTriggerIsThrottled"}}', { 'retry-after': this.retryAfter }, 'throttled');
    }
    const failure = this.failures.shift();
    if (failure !== undefined) return answer(failure, '{"error":{"code":"ServiceUnavailable"}}');
    const problem = validate(req.headers['content-type'], raw);
    if (problem) return answer(400, JSON.stringify({ error: { code: 'InvalidRequestContent', message: problem } }), {}, problem);
    const message = JSON.parse(raw) as { attachments: Array<{ content: TeamsPost['card'] }> };
    const key = req.headers['x-triage-idempotency-key'];
    this.posts.push({ at: Date.now(), flow, idempotencyKey: typeof key === 'string' ? key : undefined, card: message.attachments[0]!.content, raw });
    answer(202);
    this.waiters = this.waiters.filter((w) => (this.posts.length >= w.n ? (w.resolve(), false) : true));
  }
}

/** What is wrong with a posted message, or undefined when Workflows and Teams would take it. */
export function validate(contentType: string | undefined, raw: string): string | undefined {
  if (!contentType?.startsWith('application/json')) return 'content-type must be application/json';
  if (Buffer.byteLength(raw) > 28_000) return 'message larger than 28 KB';
  let message: any;
  try {
    message = JSON.parse(raw);
  } catch {
    return 'body is not JSON';
  }
  if (message?.type !== 'message') return 'envelope: type must be "message"';
  if (!Array.isArray(message.attachments) || message.attachments.length !== 1) return 'envelope: one attachment expected';
  const attachment = message.attachments[0];
  if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive') return 'attachment: contentType must be application/vnd.microsoft.card.adaptive';
  const card = attachment.content;
  if (card?.type !== 'AdaptiveCard') return 'content: type must be AdaptiveCard';
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') return 'content: $schema must be the Adaptive Card schema';
  if (!VERSIONS.has(card.version)) return `content: version ${String(card.version)} is not one Teams renders (1.0–1.5)`;
  if (!Array.isArray(card.body) || card.body.length === 0) return 'content: body must be a non-empty array';
  const walk = (elements: unknown[]): string | undefined => {
    for (const element of elements as any[]) {
      if (!ELEMENTS.has(element?.type)) return `body: unknown element type ${String(element?.type)}`;
      if (element.type === 'TextBlock' && typeof element.text !== 'string') return 'TextBlock without text';
      if (element.type === 'RichTextBlock' && !(Array.isArray(element.inlines) && element.inlines.every((r: any) => r?.type === 'TextRun' && typeof r.text === 'string'))) return 'RichTextBlock: inlines must be TextRuns with text';
      const inner = element.items ?? element.columns;
      if (Array.isArray(inner)) {
        const problem = walk(inner);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  const problem = walk(card.body);
  if (problem) return problem;
  for (const action of card.actions ?? []) {
    if (!ACTIONS.has(action?.type)) return `actions: unknown action type ${String(action?.type)} (Action.Submit and Action.Execute need a bot)`;
    if (action.type === 'Action.OpenUrl' && !/^https?:\/\//.test(String(action.url))) return 'Action.OpenUrl needs an http(s) url';
    if (typeof action.title !== 'string' || action.title === '') return 'action without a title';
  }
  return undefined;
}
