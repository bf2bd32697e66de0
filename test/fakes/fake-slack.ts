/**
 * A local Slack for the real `@slack/bolt` client: the Web API over HTTP and Socket Mode over a
 * WebSocket, both on one 127.0.0.1 port.
 *
 * Pointing Bolt at it (read in @slack/bolt 5.1 `dist/App.js`, `dist/receivers/SocketModeReceiver.js`
 * and @slack/socket-mode 3.1 `dist/src/SocketModeClient.js`):
 *
 *   new App({ token: fake.botToken, appToken: fake.appToken, socketMode: true,
 *             clientOptions: { slackApiUrl: fake.apiUrl } })
 *
 * is enough. With `socketMode: true` and no `receiver`, App builds the SocketModeReceiver itself
 * and hands it `installerOptions = { clientOptions: <App's clientOptions>, ...installerOptions }`;
 * the receiver gives `installerOptions.clientOptions` to its SocketModeClient, whose own WebClient
 * (Authorization: Bearer xapp-…) calls `apps.connections.open` at that same `slackApiUrl`. So:
 * - an `installerOptions.clientOptions` of your own replaces App's, and must carry `slackApiUrl` too;
 * - a receiver you build yourself (`new SocketModeReceiver({ appToken, clientPingTimeout, … })`, the
 *   only way to set the ping timeout, which is also the reconnect delay: 5 s by default) needs
 *   `installerOptions: { clientOptions: { slackApiUrl } }`, or it dials slack.com;
 * - SocketModeClient writes `retryConfig: { retries: 100, factor: 1.3 }` into that shared options
 *   object, so the WebClients Bolt builds per event (the `client` listeners get) retry with it,
 *   while `app.client`, built earlier, keeps the default ten retries in about thirty minutes.
 * The App calls `auth.test` as soon as it is constructed (`tokenVerificationEnabled`), so start the
 * fake first; `respond()` POSTs JSON to the payload's `response_url`, which points here too.
 *
 * Wire details: `hello`/`disconnect` frames and envelopes as python-slack-sdk's
 * `tests/slack_sdk/socket_mode/mock_socket_mode_server.py` has them; acks as SocketModeClient.send
 * writes them (`{ envelope_id, payload }`); payloads as bolt-js `src/types/actions/block-action.ts`,
 * `view/index.ts` and `command/index.ts` type them; method arguments, errors and example answers
 * from slack-ruby/slack-api-ref `methods/`; 429s as WebClient reads them (`Retry-After`, whole seconds).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SCOPE_OF, RateLimited, SlackWebApi } from './fake-slack-web-api.js';
import { SocketModeLink, type EnvelopeType, type FakeConnection, type FakeEnvelope } from './fake-slack-socket-mode.js';
import { decodeCall, randomId, SlackApiError } from './fake-slack-wire.js';
import { SlackWorkspace, type FakeResponse, type FakeSlackMessage, type FakeSlackUser, type FakeSlackView } from './fake-slack-workspace.js';

export type { FakeConnection, FakeEnvelope } from './fake-slack-socket-mode.js';
export type { SlackMentions } from './fake-slack-wire.js';
export type { FakeEphemeral, FakeResponse, FakeSlackChannel, FakeSlackFile, FakeSlackMessage, FakeSlackUser, FakeSlackView } from './fake-slack-workspace.js';

export interface RecordedSlackRequest {
  /** `api` for Web API methods, `upload` for file bytes, `response_url` for interaction responses. */
  kind: 'api' | 'upload' | 'response_url' | 'other';
  httpMethod: string;
  path: string;
  /** The Web API method (`chat.postMessage`) for kind `api`. */
  apiMethod: string | undefined;
  /** Arguments decoded from the query and the body; for `response_url`, the JSON posted. */
  args: Record<string, any>;
  /** The token the call carried (Authorization header or form field). */
  token: string | undefined;
  contentType: string | undefined;
  at: number;
  status?: number;
  response?: any;
  headers?: Record<string, string>;
}

type Answer = (status: number, body: unknown, headers?: Record<string, string>) => void;

const MAX_BODY_BYTES = 20 * 1024 * 1024;

/**
 * A local Slack workspace (see SlackWorkspace for its people, channels and messages) that speaks
 * the Web API under `/api/`, Socket Mode on the link `apps.connections.open` hands out, file
 * uploads and `response_url`s. Records every request and envelope; answers 429s and outages on
 * demand; holds channels to a posting rate when `channelLimit` is set.
 */
export class FakeSlack extends SlackWorkspace {
  readonly requests: RecordedSlackRequest[] = [];
  /** Exceptions inside the fake itself, answered as `internal_error`: a test can assert there are none. */
  readonly internalErrors: unknown[] = [];
  /** Answer the next N `chat.postMessage` calls with 429 and `Retry-After: retryAfterSeconds`. */
  rateLimitNext = 0;
  /** Whole seconds, as Slack sends them and WebClient parses them. */
  retryAfterSeconds = 1;
  /** 429s answered so far, whatever the cause. */
  rateLimited = 0;
  private readonly faults: Array<{ status: number; method: string | undefined; remaining: number }> = [];
  private readonly failures: Array<{ method: string; error: string; extra: Record<string, unknown>; remaining: number }> = [];
  private readonly link = new SocketModeLink(this, (error) => this.internalErrors.push(error));
  private readonly webApi = new SlackWebApi(this, {
    openLink: () => `ws://127.0.0.1:${this.port}/link/?ticket=${this.link.openTicket()}&app_id=${this.appId}`,
    uploadUrl: (key) => `${this.base}/upload/v1/${key}`,
  });
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.link.upgrade(req, socket, head));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.apiUrl;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What `SLACK_API_URL` / Bolt's `clientOptions.slackApiUrl` is set to. */
  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  async stop(): Promise<void> {
    this.link.stop();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  // ---- Looking and waiting ------------------------------------------------------------------

  /** Waits until `check` gives something (it may be async: its promise is awaited, not taken as the answer). */
  async waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
      if (Date.now() > deadline) throw new Error('FakeSlack.waitFor timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  requestsTo(apiMethod: string): RecordedSlackRequest[] {
    return this.requests.filter((r) => r.apiMethod === apiMethod);
  }

  responsesTo(envelope: FakeEnvelope): FakeResponse[] {
    return this.responses.filter((r) => r.envelopeId === envelope.envelope_id);
  }

  get connections(): readonly FakeConnection[] {
    return this.link.connections;
  }

  get openConnections(): FakeConnection[] {
    return this.link.open;
  }

  get envelopes(): readonly FakeEnvelope[] {
    return this.link.envelopes;
  }

  /** Frames from the client that were not acks of a delivered envelope. */
  get strayFrames(): readonly string[] {
    return this.link.strayFrames;
  }

  /**
   * Waits for the client's ack of an envelope and fails, naming it, if none came within `withinMs`
   * of its delivery (Slack's 3 seconds by default). Resolves with the ack.
   */
  async expectAck(envelope: FakeEnvelope, withinMs = 3000): Promise<NonNullable<FakeEnvelope['ack']>> {
    const what = `${envelope.type} envelope ${envelope.envelope_id} (${envelope.payload?.type ?? envelope.payload?.command ?? envelope.payload?.event?.type})`;
    await this.waitFor(() => envelope.sentAt !== undefined, 10_000).catch(() => {
      throw new Error(`${what} was never delivered: no Socket Mode connection`);
    });
    for (;;) {
      const ack = envelope.ack;
      if (ack) {
        if (ack.ms > withinMs) throw new Error(`${what} was acknowledged after ${ack.ms} ms, over ${withinMs} ms`);
        return ack;
      }
      if (Date.now() > envelope.sentAt! + withinMs) throw new Error(`${what} was not acknowledged within ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  // ---- Knobs --------------------------------------------------------------------------------

  /** Answer the next `times` calls (of `method` — a Web API method, `upload` or `response_url` — or of any Web API method) with this HTTP status. */
  failWith(status: number, { method, times = 1 }: { method?: string; times?: number } = {}): void {
    this.faults.push({ status, method, remaining: times });
  }

  /** Answer the next `times` calls of `method` with `{ ok: false, error, ...extra }`, as Slack does. */
  failNext(method: string, error: string, { times = 1, extra = {} }: { times?: number; extra?: Record<string, unknown> } = {}): void {
    this.failures.push({ method, error, extra, remaining: times });
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.failures.length = 0;
  }

  /** Sends `{ type: 'disconnect', reason }` on every open connection, as Slack does before it recycles one. */
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' | 'too_many_websockets' = 'refresh_requested'): number {
    return this.link.disconnect(reason);
  }

  /** Closes every socket with a close frame (no `disconnect` first), or drops them outright. */
  closeConnections(options: { code?: number; abrupt?: boolean } = {}): void {
    this.link.close(options);
  }

  /** A WebSocket ping on every open connection; the client's pongs count in `pongs`. */
  ping(): void {
    this.link.ping();
  }

  // ---- What people do -----------------------------------------------------------------------

  /**
   * A person clicks a button (or picks `value` in a select) on a message: a `block_actions`
   * interactive envelope as Slack sends it. Throws if the message has no such element now.
   */
  click(message: FakeSlackMessage, actionId: string, value?: string, user: FakeSlackUser | string = 'ana'): FakeEnvelope {
    const person = this.person(user);
    const stored = this.messageByTs(message.ts, message.channel) ?? message;
    const found = findElement(stored.blocks ?? [], actionId);
    if (!found) throw new Error(`message ${message.ts} has no element with action_id ${actionId}`);
    const envelopeId = randomUUID();
    return this.deliver(envelopeId, 'interactive', false, {
      type: 'block_actions',
      user: { id: person.id, username: person.name, name: person.name, team_id: this.team.id },
      api_app_id: this.appId,
      token: 'fake-verification-token',
      container: { type: 'message', message_ts: stored.ts, channel_id: stored.channel, is_ephemeral: false, ...(stored.thread_ts ? { thread_ts: stored.thread_ts } : {}) },
      trigger_id: this.issueTrigger(person.id),
      team: { id: this.team.id, domain: this.team.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: stored.channel, name: this.channels.get(stored.channel)?.name ?? 'unknown' },
      message: this.wire(stored),
      state: { values: {} },
      response_url: this.base + this.issueHook('actions', { envelopeId, channel: stored.channel, user: person.id, messageTs: stored.ts }),
      actions: [this.actionOf(found.element, found.blockId, value)],
    });
  }

  /**
   * Submits a view the app opened, with `values` in Slack's `state.values` shape
   * (`{ [block_id]: { [action_id]: { type: 'plain_text_input', value } } }`): a `view_submission`.
   */
  submitView(view: FakeSlackView | string, values: Record<string, Record<string, unknown>>, user: FakeSlackUser | string = 'ana'): FakeEnvelope {
    const id = typeof view === 'string' ? view : view.id;
    const stored = this.views.get(id);
    if (!stored) throw new Error(`FakeSlack has no view ${id}`);
    if (stored.closedAt !== undefined) throw new Error(`view ${id} is closed`);
    for (const [blockId, inputs] of Object.entries(values)) {
      const block = (stored.view.blocks as any[]).find((b) => b.block_id === blockId);
      for (const actionId of Object.keys(inputs)) if (block?.element?.action_id !== actionId) throw new Error(`view ${id} has no input ${blockId}/${actionId}`);
    }
    const person = this.person(user);
    stored.view = { ...stored.view, state: { values } };
    return this.deliver(randomUUID(), 'interactive', true, {
      type: 'view_submission',
      team: { id: this.team.id, domain: this.team.domain },
      user: { id: person.id, username: person.name, name: person.name, team_id: this.team.id },
      api_app_id: this.appId,
      token: 'fake-verification-token',
      trigger_id: this.issueTrigger(person.id),
      view: stored.view,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    });
  }

  /** A person types `/triage queue`: a `slash_commands` envelope with a `response_url`. */
  command(command: string, text: string, user: FakeSlackUser | string = 'ana', channel = this.channelIds[0]!): FakeEnvelope {
    const person = this.person(user);
    const envelopeId = randomUUID();
    return this.deliver(envelopeId, 'slash_commands', true, {
      token: 'fake-verification-token',
      team_id: this.team.id,
      team_domain: this.team.domain,
      channel_id: channel,
      channel_name: this.channels.get(channel)?.name ?? 'directmessage',
      user_id: person.id,
      user_name: person.name,
      command,
      text,
      api_app_id: this.appId,
      is_enterprise_install: 'false',
      response_url: this.base + this.issueHook('commands', { envelopeId, channel, user: person.id, messageTs: undefined }),
      trigger_id: this.issueTrigger(person.id),
    });
  }

  /** An Events API event (`app_mention`, `message`, …) in an `events_api` envelope. */
  sendEvent(event: Record<string, unknown>): FakeEnvelope {
    return this.deliver(randomUUID(), 'events_api', false, {
      token: 'fake-verification-token',
      team_id: this.team.id,
      context_team_id: this.team.id,
      context_enterprise_id: null,
      api_app_id: this.appId,
      event: { event_ts: this.nextTs(), ...event },
      type: 'event_callback',
      event_id: `Ev${randomId(10).toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.team.id, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomId(20)}`,
    });
  }

  private person(user: FakeSlackUser | string): FakeSlackUser {
    return typeof user === 'string' ? this.user(user) : user;
  }

  private deliver(envelopeId: string, type: EnvelopeType, acceptsResponsePayload: boolean, payload: any): FakeEnvelope {
    return this.link.deliver({ envelope_id: envelopeId, type, payload, accepts_response_payload: acceptsResponsePayload });
  }

  /** The `actions[0]` Slack sends for an element: a button's own value, a select's chosen option. */
  private actionOf(element: any, blockId: string, value: string | undefined): Record<string, unknown> {
    const common = { action_id: element.action_id, block_id: blockId, action_ts: this.nextTs() };
    if (['static_select', 'overflow', 'radio_buttons'].includes(element.type)) {
      const options: any[] = [...(element.options ?? []), ...(element.option_groups ?? []).flatMap((g: any) => g.options ?? [])];
      const option = options.find((o) => o.value === value);
      if (!option) throw new Error(`${element.action_id} has no option ${value}`);
      return { type: element.type, ...common, selected_option: option, ...(element.placeholder ? { placeholder: element.placeholder } : {}) };
    }
    if (element.type === 'users_select') return { type: element.type, ...common, selected_user: value };
    if (value !== undefined && element.value !== undefined && value !== element.value) throw new Error(`${element.action_id} carries value ${element.value}, not ${value}`);
    return { type: element.type, ...common, text: element.text, ...(element.value !== undefined ? { value: element.value } : {}), ...(element.style ? { style: element.style } : {}) };
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const record: RecordedSlackRequest = {
      kind: 'other', httpMethod: req.method ?? 'GET', path: url.pathname, apiMethod: undefined, args: {},
      token: bearer(req.headers.authorization), contentType: req.headers['content-type'], at: Date.now(),
    };
    this.requests.push(record);
    const answer: Answer = (status, body, headers = {}) => {
      Object.assign(record, { status, response: body, headers });
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    try {
      let size = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
      }
      if (size > MAX_BODY_BYTES) return answer(413, { ok: false, error: 'request_too_large' });
      const raw = Buffer.concat(chunks);
      const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
      if (api) return await this.api(Object.assign(record, { kind: 'api' as const, apiMethod: api[1]! }), req, raw, url, answer);
      if (url.pathname.startsWith('/upload/v1/')) return await this.upload(Object.assign(record, { kind: 'upload' as const }), req, raw, answer);
      if (url.pathname.startsWith('/hooks/')) return this.hook(Object.assign(record, { kind: 'response_url' as const }), raw, answer);
      answer(404, `404 Not Found (${req.method} ${url.pathname})`);
    } catch (error) {
      // A client that went away mid-request is not the fake's fault.
      if (req.destroyed && res.destroyed) return;
      this.internalErrors.push(error);
      if (!res.headersSent) answer(500, { ok: false, error: 'internal_error' });
    }
  }

  /** The Web API's order of refusals: body, method, token, token type, scope; then the method itself. */
  private async api(record: RecordedSlackRequest, req: IncomingMessage, raw: Buffer, url: URL, answer: Answer): Promise<void> {
    const method = record.apiMethod!;
    const call = await decodeCall(req.headers['content-type'], raw, url.searchParams);
    record.args = call.args;
    record.token ??= call.bodyToken;
    if (this.answeredFault(method, answer)) return;
    if (call.error) return answer(200, { ok: false, error: call.error });
    if (!(method in SCOPE_OF)) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    const kind = record.token === this.botToken ? 'bot' : record.token === this.appToken ? 'app' : undefined;
    if (!record.token) return answer(200, { ok: false, error: 'not_authed' });
    if (!kind) return answer(200, { ok: false, error: 'invalid_auth' });
    if ((kind === 'app') !== (method === 'apps.connections.open')) return answer(200, { ok: false, error: 'not_allowed_token_type' });
    const failure = this.failures.find((f) => f.method === method);
    if (failure) {
      if (--failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      return answer(200, { ok: false, error: failure.error, ...failure.extra });
    }
    const scopes = kind === 'app' ? ['connections:write'] : [...this.botScopes];
    const needed = SCOPE_OF[method];
    const scopeHeaders = { 'x-oauth-scopes': scopes.join(','), ...(needed ? { 'x-accepted-oauth-scopes': needed } : {}) };
    if (needed && !scopes.includes(needed)) return answer(200, { ok: false, error: 'missing_scope', needed, provided: scopes.join(',') }, scopeHeaders);
    try {
      if (method === 'chat.postMessage' && this.rateLimitNext > 0) {
        this.rateLimitNext--;
        throw new RateLimited(this.retryAfterSeconds);
      }
      const body = this.webApi.call(method, call.args);
      const warnings = call.warnings.length ? { warning: call.warnings.join(','), response_metadata: { ...body.response_metadata, warnings: call.warnings } } : {};
      answer(200, { ok: true, ...body, ...warnings }, scopeHeaders);
    } catch (error) {
      if (error instanceof RateLimited) {
        this.rateLimited++;
        return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(error.retryAfterSeconds) });
      }
      if (error instanceof SlackApiError) return answer(200, { ok: false, error: error.code, ...error.extra }, scopeHeaders);
      throw error;
    }
  }

  private answeredFault(method: string, answer: Answer): boolean {
    const index = this.faults.findIndex((f) => (f.method === undefined ? method !== 'upload' && method !== 'response_url' : f.method === method));
    if (index < 0) return false;
    const fault = this.faults[index]!;
    if (--fault.remaining <= 0) this.faults.splice(index, 1);
    if (fault.status === 429) {
      this.rateLimited++;
      answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(this.retryAfterSeconds) });
    } else {
      answer(fault.status, { ok: false, error: fault.status === 503 ? 'service_unavailable' : 'fatal_error' });
    }
    return true;
  }

  /** The bytes of a file, POSTed to its upload URL: raw, or (as WebClient sends them) a multipart part. */
  private async upload(record: RecordedSlackRequest, req: IncomingMessage, raw: Buffer, answer: Answer): Promise<void> {
    if (this.answeredFault('upload', answer)) return;
    const file = this.fileByUploadKey(record.path.slice('/upload/v1/'.length));
    if (!file || req.method !== 'POST') return answer(404, 'not found');
    const type = req.headers['content-type'] ?? '';
    const part = type.startsWith('multipart/form-data') ? (await decodeCall(type, raw, new URLSearchParams())).files[0] : { field: '', filename: file.filename, data: raw };
    if (!part) return answer(400, 'no file in the form');
    file.data = part.data;
    record.args = { field: part.field, filename: part.filename, bytes: part.data.length };
    answer(200, `OK - ${part.data.length}`);
  }

  private hook(record: RecordedSlackRequest, raw: Buffer, answer: Answer): void {
    if (this.answeredFault('response_url', answer)) return;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(400, 'invalid_payload');
    }
    record.args = typeof body === 'object' && body !== null ? body : { body };
    const result = this.respond(record.path, body);
    answer(result.status, result.body);
  }
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

function findElement(blocks: any[], actionId: string): { blockId: string; element: any } | undefined {
  for (const block of blocks) {
    const elements = [...(Array.isArray(block?.elements) ? block.elements : []), ...(block?.accessory ? [block.accessory] : [])];
    const element = elements.find((e: any) => e?.action_id === actionId);
    if (element) return { blockId: block.block_id, element };
  }
  return undefined;
}
