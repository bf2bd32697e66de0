import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RecordedDiscordRequest {
  method: string;
  /** Path after /api/v10, decoded. */
  path: string;
  body: any;
  /** Files of a multipart request (attachments), with their bytes. */
  files: Array<{ name: string; contentType: string | undefined; data: Buffer }>;
  authorization: string | undefined;
}

/** Splits a multipart/form-data body into `payload_json` and file parts, as Discord reads it. */
function parseMultipart(raw: Buffer, contentType: string): { json: any; files: RecordedDiscordRequest['files'] } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const mark = Buffer.from(`--${boundary?.[1] ?? boundary?.[2]}`);
  const files: RecordedDiscordRequest['files'] = [];
  let json: any;
  let start = raw.indexOf(mark);
  while (start !== -1) {
    const next = raw.indexOf(mark, start + mark.length);
    if (next === -1) break;
    const part = raw.subarray(start + mark.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const data = part.subarray(split + 4);
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    const filename = /filename="([^"]+)"/.exec(headers)?.[1];
    if (filename) files.push({ name: filename, contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1], data: Buffer.from(data) });
    else if (name === 'payload_json') json = JSON.parse(data.toString('utf8'));
    start = next;
  }
  return { json, files };
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  embeds: any[];
  components: any[];
  nonce?: string;
  allowed_mentions?: any;
  /** When it was created (ISO 8601), as Discord reports it. */
  timestamp?: string;
  edited_timestamp?: string | null;
}

/**
 * A local Discord: the REST routes Triage uses under /api/v10 and a `ws` gateway on the same port
 * (HELLO → IDENTIFY → READY with the guild unavailable → GUILD_CREATE, heartbeat acks), plus
 * INTERACTION_CREATE on demand, 429s and 401s on demand, and nonce de-duplication as Discord does
 * with `enforce_nonce`.
 */
export class FakeDiscord {
  readonly token = 'fake-bot-token';
  readonly appId = '700000000000000001';
  readonly botUserId = '700000000000000002';
  readonly guildId = '700000000000000010';
  readonly channelIds = ['700000000000000100', '700000000000000101', '700000000000000102'];
  readonly roles = { actor: '700000000000000200', lead: '700000000000000201' };
  readonly requests: RecordedDiscordRequest[] = [];
  readonly messages = new Map<string, FakeMessage>();
  /** Interaction callbacks and webhook follow-ups, in arrival order. */
  readonly callbacks: Array<{ interactionId: string; type: number; data: any }> = [];
  readonly followUps: Array<{ token: string; body: any }> = [];
  /** Answer the next N message POSTs with 429 (retry_after seconds). */
  rateLimitNext = 0;
  retryAfterSeconds = 0.2;
  /** Messages allowed per `windowMs` per channel before a 429, like Discord's 5 per 5 s. */
  channelLimit: { count: number; windowMs: number } | undefined;
  rateLimited = 0;
  /** When set, every REST call but the gateway lookup is answered with this status (an outage). */
  failRestWith: number | undefined;
  /**
   * De-duplicate message creation by `nonce` when `enforce_nonce` is set, as Discord does within a
   * few minutes. Off, the fake behaves as Discord does once that window has passed.
   */
  honourNonces = true;
  /** Answer GET /channels/:id/messages with this status (403: the bot lacks Read Message History). */
  failHistoryWith: number | undefined;
  /**
   * Called the moment a message has been created, before the answer is sent: a test kills the
   * client here to crash it after Discord accepted the message and before it heard so.
   */
  onMessageCreated: ((message: FakeMessage) => void) | undefined;
  private readonly channelSends = new Map<string, number[]>();
  /** Messages posted by someone other than the bot ({@link postAsMember}). */
  private readonly foreignAuthors = new Set<string>();
  private readonly nonces = new Map<string, string>();
  /** Which message each component interaction was on, for an UPDATE_MESSAGE answer. */
  private readonly interactionMessages = new Map<string, string>();
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  private seq = 0;
  private nextId = 800_000_000_000_000_000n;

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (socket) => this.onGateway(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.apiBase;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** What DISCORD_API_BASE_URL is set to. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  snowflake(): string {
    return String((this.nextId += 1n));
  }

  /** Messages created in a channel (POSTs that created something), oldest first. */
  messagesIn(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId);
  }

  /** Sends an INTERACTION_CREATE over the gateway, as when a member clicks or types a command. */
  interact(interaction: Record<string, unknown>): string {
    const id = this.snowflake();
    const payload = {
      id,
      application_id: this.appId,
      token: `itoken-${id}`,
      version: 1,
      guild_id: this.guildId,
      app_permissions: '8',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: {},
      ...interaction,
    };
    this.dispatch('INTERACTION_CREATE', payload);
    return id;
  }

  member(userId: string, username: string, roles: string[] = [this.roles.actor]) {
    return {
      user: { id: userId, username, discriminator: '0', global_name: username, avatar: null },
      roles,
      joined_at: '2024-01-01T00:00:00.000Z',
      deaf: false,
      mute: false,
      flags: 0,
      permissions: '8',
    };
  }

  /** A component interaction (button or select) on a message the bot posted. */
  click(message: FakeMessage, customId: string, member: ReturnType<FakeDiscord['member']>, values?: string[]): string {
    const id = this.interactOn(message, {
      type: 3,
      channel_id: message.channel_id,
      channel: { id: message.channel_id, type: 0 },
      member,
      message: { ...message, type: 0, author: { id: this.botUserId, username: 'triage', discriminator: '0', bot: true }, attachments: [], mentions: [], mention_roles: [], pinned: false, mention_everyone: false, tts: false, timestamp: new Date().toISOString(), edited_timestamp: null, flags: 0 },
      data: values ? { custom_id: customId, component_type: 3, values } : { custom_id: customId, component_type: 2 },
    });
    return id;
  }

  private interactOn(message: FakeMessage, interaction: Record<string, unknown>): string {
    const id = this.interact(interaction);
    this.interactionMessages.set(id, message.id);
    return id;
  }

  /**
   * A modal submitted (type 5, MODAL_SUBMIT) as Discord sends it: the modal's custom id and each
   * text input inside its label component, with what the member typed.
   */
  submitModal(modal: { custom_id: string }, values: Record<string, string>, member: ReturnType<FakeDiscord['member']>, channelId = this.channelIds[0]!): string {
    let n = 0;
    return this.interact({
      type: 5,
      channel_id: channelId,
      channel: { id: channelId, type: 0 },
      member,
      data: { custom_id: modal.custom_id, components: Object.entries(values).map(([customId, value]) => ({ type: 18, id: ++n, component: { type: 4, id: ++n, custom_id: customId, value } })) },
    });
  }

  /** The private message an interaction was answered with (type 4, ephemeral), as a message one can click on. */
  ephemeralOf(interactionId: string): FakeMessage | undefined {
    const callback = this.callbacks.find((c) => c.interactionId === interactionId && c.type === 4);
    if (!callback) return undefined;
    return { id: `ephemeral-${interactionId}`, channel_id: this.channelIds[0]!, content: callback.data?.content ?? '', embeds: callback.data?.embeds ?? [], components: storedComponents(callback.data?.components) };
  }

  /** The modal an interaction was answered with (type 9), as the member sees it. */
  modalOf(interactionId: string): any {
    return this.callbacks.find((c) => c.interactionId === interactionId && c.type === 9)?.data;
  }

  /** A `/triage <subcommand>` chat command. */
  command(subcommand: string, member: ReturnType<FakeDiscord['member']>, options: Array<{ name: string; type: number; value: unknown }> = []): string {
    return this.interact({
      type: 2,
      channel_id: this.channelIds[0],
      channel: { id: this.channelIds[0], type: 0 },
      member,
      data: { id: '700000000000000300', name: 'triage', type: 1, options: [{ type: 1, name: subcommand, options }] },
    });
  }

  async waitFor<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error('FakeDiscord.waitFor timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Drops every gateway connection, as Discord does on a restart of its side. */
  disconnectAll(code = 4000): void {
    for (const socket of this.sockets) socket.close(code, 'fake disconnect');
  }

  private dispatch(t: string, d: unknown): void {
    for (const socket of this.sockets) socket.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
  }

  private onGateway(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { op: number; d: any };
      if (message.op === 1) socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      if (message.op === 2 || message.op === 6) {
        if (message.d?.token !== this.token && message.op === 2) {
          socket.close(4004, 'Authentication failed.');
          return;
        }
        socket.send(JSON.stringify({
          op: 0, t: 'READY', s: ++this.seq,
          d: {
            v: 10,
            user: { id: this.botUserId, username: 'triage', discriminator: '0', bot: true, avatar: null, global_name: null },
            guilds: [{ id: this.guildId, unavailable: true }],
            session_id: 'fake-session',
            resume_gateway_url: `ws://127.0.0.1:${this.port}`,
            application: { id: this.appId, flags: 0 },
            shard: [0, 1],
          },
        }));
        socket.send(JSON.stringify({ op: 0, t: 'GUILD_CREATE', s: ++this.seq, d: this.guild() }));
      }
    });
  }

  private guild() {
    return {
      id: this.guildId,
      name: 'Riverbend Comms',
      icon: null,
      owner_id: '700000000000000999',
      unavailable: false,
      member_count: 3,
      large: false,
      features: [],
      emojis: [],
      stickers: [],
      roles: [
        { id: this.guildId, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 },
        { id: this.roles.actor, name: 'community', permissions: '0', position: 1, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 },
        { id: this.roles.lead, name: 'leads', permissions: '0', position: 2, color: 0, hoist: false, managed: false, mentionable: true, flags: 0 },
      ],
      channels: this.channelIds.map((id, i) => ({ id, type: 0, name: `alerts-${i}`, position: i, guild_id: this.guildId, permission_overwrites: [] })),
      threads: [],
      members: [],
      voice_states: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      premium_tier: 0,
      preferred_locale: 'en-US',
      joined_at: '2024-01-01T00:00:00.000Z',
      system_channel_flags: 0,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v\d+/, '');
    let body: any;
    let files: RecordedDiscordRequest['files'] = [];
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      ({ json: body, files } = parseMultipart(bytes, type));
    } else {
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
    }
    const recorded: RecordedDiscordRequest = { method: req.method ?? 'GET', path, body, files, authorization: req.headers.authorization };
    this.requests.push(recorded);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      if (status === 204) {
        res.writeHead(204, headers);
        res.end();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    const isInteractionRoute = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
    if (!isInteractionRoute && req.headers.authorization !== `Bot ${this.token}`) return send(401, { message: '401: Unauthorized', code: 0 });

    if (this.failRestWith !== undefined && path !== '/gateway/bot') return send(this.failRestWith, { message: 'fake outage', code: 0 });
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && path === '/gateway/bot') {
      return send(200, { url: `ws://127.0.0.1:${this.port}`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
    }
    if (req.method === 'GET' && path === '/users/@me') return send(200, { id: this.botUserId, username: 'triage', discriminator: '0', bot: true });
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/)) && req.method === 'POST') {
      const channelId = m[1]!;
      if (this.rateLimitNext > 0 || this.overChannelLimit(channelId)) {
        if (this.rateLimitNext > 0) this.rateLimitNext--;
        this.rateLimited++;
        return send(429, { message: 'You are being rate limited.', retry_after: this.retryAfterSeconds, global: false }, {
          'retry-after': String(Math.ceil(this.retryAfterSeconds)),
          'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(this.retryAfterSeconds), 'x-ratelimit-bucket': `bucket-${channelId}`, 'x-ratelimit-scope': 'user',
        });
      }
      if (body?.nonce && body?.enforce_nonce && this.honourNonces) {
        const existing = this.nonces.get(`${channelId}:${body.nonce}`);
        if (existing) return send(200, this.messageJson(this.messages.get(existing)!));
      }
      const message: FakeMessage = {
        id: this.snowflake(), channel_id: channelId, content: body?.content ?? '', embeds: storedEmbeds(body?.embeds), components: storedComponents(body?.components),
        nonce: body?.nonce, allowed_mentions: body?.allowed_mentions, timestamp: new Date().toISOString(), edited_timestamp: null,
      };
      this.messages.set(message.id, message);
      if (body?.nonce) this.nonces.set(`${channelId}:${body.nonce}`, message.id);
      this.onMessageCreated?.(message);
      const sends = [...(this.channelSends.get(channelId) ?? []), Date.now()];
      this.channelSends.set(channelId, sends);
      // Honest bucket headers, as Discord sends them, so the client can pace itself before a 429.
      const limit = this.channelLimit;
      const remaining = limit ? Math.max(0, limit.count - sends.filter((t) => t > Date.now() - limit.windowMs).length) : 4;
      const resetAfter = limit ? Math.max(0.001, (sends.filter((t) => t > Date.now() - limit.windowMs)[0]! + limit.windowMs - Date.now()) / 1000) : 1;
      return send(200, this.messageJson(message), {
        'x-ratelimit-limit': String(limit?.count ?? 5),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset-after': resetAfter.toFixed(3),
        'x-ratelimit-reset': ((Date.now() / 1000) + resetAfter).toFixed(3),
        'x-ratelimit-bucket': `bucket-${channelId}`,
      });
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages$/)) && req.method === 'GET') {
      if (this.failHistoryWith !== undefined) return send(this.failHistoryWith, { message: 'Missing Access', code: 50001 });
      // Newest first, `before` an id, `limit` 1..100 (default 50), as Discord lists a channel; no nonces.
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
      const before = url.searchParams.get('before');
      const listed = this.messagesIn(m[1]!)
        .filter((msg) => before === null || BigInt(msg.id) < BigInt(before))
        .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
        .slice(0, limit)
        .map((msg) => {
          const { nonce: _nonce, allowed_mentions: _allowed, ...listedMessage } = this.messageJson(msg);
          return listedMessage;
        });
      return send(200, listed);
    }
    if ((m = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/)) && req.method === 'PATCH') {
      const message = this.messages.get(m[2]!);
      if (!message) return send(404, { message: 'Unknown Message', code: 10008 });
      Object.assign(message, { embeds: body?.embeds ? storedEmbeds(body.embeds) : message.embeds, components: body?.components ? storedComponents(body.components) : message.components, content: body?.content ?? message.content, edited_timestamp: new Date().toISOString() });
      return send(200, this.messageJson(message));
    }
    if ((m = path.match(/^\/channels\/(\d+)$/)) && req.method === 'GET') {
      return send(200, { id: m[1], type: 0, guild_id: this.guildId, name: 'alerts', position: 0, permission_overwrites: [] });
    }
    if ((m = path.match(/^\/interactions\/(\d+)\/([^/]+)\/callback$/)) && req.method === 'POST') {
      if (body?.type === 9) {
        const problem = modalProblem(body.data);
        if (problem) return send(400, { message: 'Invalid Form Body', code: 50035, errors: { data: { _errors: [{ code: 'BASE_TYPE_INVALID', message: problem }] } } });
      }
      this.callbacks.push({ interactionId: m[1]!, type: body?.type, data: body?.data });
      if (body?.type === 7 && body?.data) {
        // UPDATE_MESSAGE: the message the interaction was on, else the one whose components carry the same alert id.
        const on = this.interactionMessages.get(m[1]!);
        const message = (on === undefined ? undefined : this.messages.get(on)) ?? [...this.messages.values()].find((msg) => JSON.stringify(msg.components).includes(JSON.stringify(body.data.components?.[0]?.components?.[0]?.custom_id ?? '\u0000')));
        if (message) Object.assign(message, { embeds: body.data.embeds ?? message.embeds, components: body.data.components ?? message.components, content: body.data.content ?? message.content });
      }
      return send(204, undefined);
    }
    if ((m = path.match(/^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/))) {
      this.followUps.push({ token: m[2]!, body });
      return send(200, { id: this.snowflake(), channel_id: this.channelIds[0], content: body?.content ?? '', embeds: body?.embeds ?? [], components: [], type: 0, author: { id: this.botUserId, username: 'triage', discriminator: '0', bot: true }, attachments: [], mentions: [], mention_roles: [], pinned: false, mention_everyone: false, tts: false, timestamp: new Date().toISOString(), edited_timestamp: null, flags: body?.flags ?? 0 });
    }
    if ((m = path.match(/^\/applications\/(\d+)\/guilds\/(\d+)\/commands$/)) && req.method === 'PUT') {
      return send(200, (body as any[]).map((c, i) => ({ ...c, id: String(700000000000000300 + i), application_id: m![1], guild_id: m![2], version: '1', default_member_permissions: null, type: 1 })));
    }
    send(404, { message: `404: Not Found (${req.method} ${path})`, code: 0 });
  }

  private overChannelLimit(channelId: string): boolean {
    if (!this.channelLimit) return false;
    const since = Date.now() - this.channelLimit.windowMs;
    const recent = (this.channelSends.get(channelId) ?? []).filter((t) => t > since);
    this.channelSends.set(channelId, recent);
    return recent.length >= this.channelLimit.count;
  }

  private messageJson(message: FakeMessage) {
    return {
      ...message,
      type: 0,
      author: this.foreignAuthors.has(message.id)
        ? { id: '700000000000000777', username: 'someone', discriminator: '0', avatar: null }
        : { id: this.botUserId, username: 'triage', discriminator: '0', bot: true, avatar: null },
      attachments: [], mentions: [], mention_roles: [], pinned: false, mention_everyone: false, tts: false,
      timestamp: message.timestamp ?? new Date().toISOString(), edited_timestamp: message.edited_timestamp ?? null, flags: 0,
    };
  }

  /** Posts a message as another member would (not the bot), for lookups that must skip it. */
  postAsMember(channelId: string, content: string, extra: Partial<FakeMessage> = {}): FakeMessage {
    const message: FakeMessage = { id: this.snowflake(), channel_id: channelId, content, embeds: [], components: [], timestamp: new Date().toISOString(), edited_timestamp: null, ...extra };
    this.messages.set(message.id, message);
    this.foreignAuthors.add(message.id);
    return message;
  }
}

/**
 * Why Discord would refuse a modal (interaction response type 9), as its documented limits say:
 * custom ids up to 100 characters, a title up to 45, 1–5 top-level components (labels, text
 * displays), a label up to 45, a text input's length and value up to 4,000.
 */
function modalProblem(data: any): string | undefined {
  if (typeof data?.custom_id !== 'string' || data.custom_id.length < 1 || data.custom_id.length > 100) return 'custom_id must be 1-100 characters';
  if (typeof data.title !== 'string' || data.title.length < 1 || data.title.length > 45) return 'title must be 1-45 characters';
  if (!Array.isArray(data.components) || data.components.length < 1 || data.components.length > 5) return 'components must hold 1-5 items';
  for (const c of data.components) {
    if (c.type === 10) {
      if (typeof c.content !== 'string' || c.content.length < 1 || c.content.length > 4000) return 'text display content must be 1-4000 characters';
      continue;
    }
    if (c.type !== 18) return `component type ${c.type} is not allowed at the top of a modal`;
    if (typeof c.label !== 'string' || c.label.length < 1 || c.label.length > 45) return 'label must be 1-45 characters';
    const input = c.component;
    if (input?.type !== 4 || typeof input.custom_id !== 'string' || input.custom_id.length > 100 || (input.style !== 1 && input.style !== 2)) return 'a label must hold a text input with a custom_id and a style';
    if (input.max_length !== undefined && (input.max_length < 1 || input.max_length > 4000)) return 'max_length must be 1-4000';
    if (input.value !== undefined && (typeof input.value !== 'string' || input.value.length > (input.max_length ?? 4000))) return 'value must fit max_length';
    if ('label' in input) return 'a text input inside a label has no label of its own';
  }
  return undefined;
}

/** Embeds as Discord stores and returns them: `type: "rich"` added. */
function storedEmbeds(embeds: any[] | undefined): any[] {
  return (embeds ?? []).map((embed) => ({ type: 'rich', ...embed }));
}

/** Components as Discord returns them: each with a numeric `id` in message order. */
function storedComponents(rows: any[] | undefined): any[] {
  let id = 0;
  return (rows ?? []).map((row) => ({ id: ++id, ...row, components: (row.components ?? []).map((c: any) => ({ id: ++id, ...c })) }));
}
