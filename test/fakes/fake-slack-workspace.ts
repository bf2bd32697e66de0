import { randomBytes } from 'node:crypto';
import { blockErrors, bool, invalidArguments, jsonArg, mentionsIn, randomId, SlackApiError, SlackClock, str, withBlockIds, type SlackMentions } from './fake-slack-wire.js';

export interface FakeSlackUser {
  id: string;
  name: string;
  realName: string;
  tz: string;
  isBot?: boolean;
  deleted?: boolean;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  /** Whether the bot is in it: posting elsewhere is `not_in_channel`. */
  botIsMember: boolean;
}

/** A stored message, in Slack's JSON, plus the channel it is in. */
export interface FakeSlackMessage {
  type: 'message';
  channel: string;
  ts: string;
  text: string;
  user: string;
  team: string;
  blocks?: any[];
  attachments?: any[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_broadcast?: boolean;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  bot_id?: string;
  app_id?: string;
  files?: Array<{ id: string; name: string; title: string; mimetype: string; size: number }>;
  upload?: boolean;
  edited?: { user: string; ts: string };
}

export interface FakeSlackFile {
  id: string;
  filename: string;
  title: string;
  length: number;
  altText: string | undefined;
  /** The bytes POSTed to the upload URL; undefined until then. */
  data: Buffer | undefined;
  completed: boolean;
  channel: string | undefined;
  threadTs: string | undefined;
  initialComment: string | undefined;
}

export interface FakeSlackView {
  id: string;
  /** The view as Slack returns it (`id`, `hash`, `state`, `callback_id`, …). */
  view: any;
  user: string;
  openedAt: number;
  closedAt?: number;
  /** Set by a `response_action: 'errors'` ack. */
  errors?: Record<string, string>;
}

/** A message only one person saw: chat.postEphemeral, an ephemeral `response_url` reply, a command ack. */
export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: any[];
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
}

/** What arrived for an interaction: a POST to its `response_url`, or a command ack's payload. */
export interface FakeResponse {
  envelopeId: string;
  via: 'response_url' | 'ack';
  body: any;
  at: number;
}

/**
 * The workspace behind the fake Slack: its people, channels, messages, files and views, and the
 * interaction plumbing (trigger ids, response URLs) that Web API and Socket Mode share.
 */
export class SlackWorkspace {
  readonly botToken = 'xoxb-1000000001-2000000002-faketriagebottoken';
  readonly appToken = 'xapp-1-A0TRIAGE01-3000000003-faketriageapptoken';
  readonly team = { id: 'T0RIVRBND1', domain: 'riverbend-comms', name: 'Riverbend Comms' };
  readonly appId = 'A0TRIAGE01';
  readonly botId = 'B0TRIAGE01';
  readonly botUserId = 'U0TRIAGE01';
  /** Scopes the bot token has; remove one to see `missing_scope`. */
  readonly botScopes = new Set(['chat:write', 'channels:history', 'groups:history', 'commands', 'files:write', 'users:read', 'usergroups:read']);
  readonly channels = new Map<string, FakeSlackChannel>();
  readonly users = new Map<string, FakeSlackUser>();
  /** User group id → member ids (what `usergroups.users.list` answers). */
  readonly usergroups = new Map<string, string[]>();
  /** Every message, oldest first; deleted ones are removed. */
  readonly messages: FakeSlackMessage[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly files = new Map<string, FakeSlackFile>();
  readonly views = new Map<string, FakeSlackView>();
  readonly responses: FakeResponse[] = [];
  /** `chat.postMessage` calls allowed per channel per window; Slack's rule is about `{ count: 1, windowMs: 1000 }`. */
  channelLimit: { count: number; windowMs: number } | undefined;
  /**
   * Called with each message the bot creates, once it is stored and before Slack answers: a test
   * can kill the client here, the crash between "Slack has it" and "Triage recorded it".
   */
  onMessagePosted: ((message: FakeSlackMessage) => void) | undefined;
  /** How long a `trigger_id` can open a view, as on Slack. */
  triggerTtlMs = 3000;
  private readonly clock = new SlackClock();
  private readonly sentWith = new WeakMap<FakeSlackMessage, { parse?: string }>();
  private readonly triggers = new Map<string, { issuedAt: number; used: boolean; user: string }>();
  private readonly hooks = new Map<string, { envelopeId: string; channel: string; user: string; messageTs: string | undefined; uses: number }>();
  private readonly uploads = new Map<string, string>();
  private serial = 0;

  constructor() {
    for (const [id, name] of [['C0ALERTS01', 'triage-alerts'], ['C0URGENT01', 'triage-urgent'], ['C0DIGEST01', 'triage-digest']] as const) {
      this.channels.set(id, { id, name, botIsMember: true });
    }
    for (const user of [
      { id: 'U0ANA00001', name: 'ana', realName: 'Ana Alvarez', tz: 'America/New_York' },
      { id: 'U0BEN00001', name: 'ben', realName: 'Ben Okafor', tz: 'America/Chicago' },
      { id: 'U0CY000001', name: 'cy', realName: 'Cy Young', tz: 'Europe/London' },
      { id: this.botUserId, name: 'triage', realName: 'Triage', tz: 'America/New_York', isBot: true },
    ]) this.users.set(user.id, user);
    this.usergroups.set('S0ACTORS01', ['U0ANA00001', 'U0BEN00001']);
    this.usergroups.set('S0LEADS001', ['U0ANA00001']);
  }

  get channelIds(): string[] {
    return [...this.channels.keys()];
  }

  /** A person by name (`ana`, `ben`, `cy`) or id. */
  user(nameOrId: string): FakeSlackUser {
    const user = this.users.get(nameOrId) ?? [...this.users.values()].find((u) => u.name === nameOrId);
    if (!user) throw new Error(`FakeSlack has no user ${nameOrId}`);
    return user;
  }

  /** Top-level messages of a channel (what it shows; thread replies excluded), oldest first. */
  messagesIn(channel: string): FakeSlackMessage[] {
    return this.messages.filter((m) => m.channel === channel && (m.thread_ts === undefined || m.thread_ts === m.ts || m.reply_broadcast));
  }

  repliesTo(threadTs: string): FakeSlackMessage[] {
    return this.messages.filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  messageByTs(ts: string, channel?: string): FakeSlackMessage | undefined {
    return this.messages.find((m) => m.ts === ts && (channel === undefined || m.channel === channel));
  }

  /** Who a stored message would notify on Slack (see `mentionsIn` in fake-slack-wire). */
  mentionsIn(message: FakeSlackMessage): SlackMentions {
    return mentionsIn(message, this.sentWith.get(message));
  }

  /** A message someone (not the bot) wrote, as it would be in the channel's history. */
  postAsUser(channel: string, user: string, text: string, threadTs?: string): FakeSlackMessage {
    const author = this.user(user).id;
    return this.store({ type: 'message', channel, ts: this.clock.next(), text, user: author, team: this.team.id, ...(threadTs ? { thread_ts: threadTs, parent_user_id: this.messageByTs(threadTs)?.user ?? author } : {}) });
  }

  /** A new message by the bot, as chat.postMessage, file shares and `in_channel` responses make them. */
  postAsBot(channel: string, fields: Partial<FakeSlackMessage>, sentWith: { parse?: string } = {}): FakeSlackMessage {
    const message = this.store({ type: 'message', channel, ts: this.clock.next(), text: '', user: this.botUserId, team: this.team.id, bot_id: this.botId, app_id: this.appId, ...fields });
    this.sentWith.set(message, sentWith);
    this.onMessagePosted?.(message);
    return message;
  }

  /** Records how a message was last sent (`parse`), which decides what Slack turns into mentions. */
  markSentWith(message: FakeSlackMessage, sentWith: { parse?: string }): void {
    this.sentWith.set(message, sentWith);
  }

  /**
   * A message as Slack serialises it: no `channel`, the bot's profile on the bot's messages, and
   * thread counters on a parent. Metadata goes with the app's own messages, and with all of them
   * for `include_all_metadata`.
   */
  wire(message: FakeSlackMessage, allMetadata = true): Record<string, any> {
    const { channel, metadata, ...rest } = message;
    const replies = this.repliesTo(message.ts).filter((m) => m.channel === channel);
    const repliers = [...new Set(replies.map((r) => r.user))];
    return {
      ...rest,
      ...(metadata && (allMetadata || message.app_id === this.appId) ? { metadata } : {}),
      ...(message.bot_id ? { bot_profile: { id: this.botId, app_id: this.appId, name: 'Triage', deleted: false, team_id: this.team.id, updated: 1_700_000_000, icons: {} } } : {}),
      ...(replies.length ? { thread_ts: message.ts, reply_count: replies.length, reply_users_count: repliers.length, latest_reply: replies.at(-1)!.ts, reply_users: repliers, is_locked: false, subscribed: false } : {}),
    };
  }

  userJson(user: FakeSlackUser): Record<string, unknown> {
    return {
      id: user.id, team_id: this.team.id, name: user.name, deleted: user.deleted ?? false, color: '9f69e7', real_name: user.realName,
      tz: user.tz, tz_label: user.tz, tz_offset: 0,
      profile: { real_name: user.realName, display_name: user.name, real_name_normalized: user.realName, display_name_normalized: user.name, team: this.team.id, image_48: `https://avatars.example/${user.id}.png` },
      is_admin: false, is_owner: false, is_primary_owner: false, is_restricted: false, is_ultra_restricted: false,
      is_bot: user.isBot ?? false, is_app_user: false, updated: 1_700_000_000,
    };
  }

  /** The next message timestamp (`seconds.micros`, unique and increasing). */
  nextTs(): string {
    return this.clock.next();
  }

  /** An id in Slack's shape: a type letter (`V`, `F`) and upper-case base 36. */
  nextId(prefix: string): string {
    return `${prefix}0${(++this.serial).toString(36).toUpperCase().padStart(9, '0')}`;
  }

  /** A `trigger_id` as Slack shapes them; it opens one view within `triggerTtlMs`. */
  issueTrigger(user: string): string {
    const id = `${Date.now()}${++this.serial}.${Math.floor(Math.random() * 1e10)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, { issuedAt: Date.now(), used: false, user });
    return id;
  }

  /** Spends a trigger on a view and returns who it belongs to, or throws Slack's error. */
  spendTrigger(id: string | undefined): string {
    const trigger = id === undefined ? undefined : this.triggers.get(id);
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    if (trigger.used) throw new SlackApiError('exchanged_trigger_id');
    if (Date.now() - trigger.issuedAt > this.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
    trigger.used = true;
    return trigger.user;
  }

  /** A `response_url` path on the fake (Slack's are `hooks.slack.com/actions|commands/T…/…/…`). */
  issueHook(kind: 'actions' | 'commands', context: { envelopeId: string; channel: string; user: string; messageTs: string | undefined }): string {
    const path = `/hooks/${kind}/${this.team.id}/${Date.now()}${++this.serial}/${randomBytes(12).toString('base64url')}`;
    this.hooks.set(path, { ...context, uses: 0 });
    return path;
  }

  /**
   * A POST to a `response_url`: JSON `{ text, blocks, response_type, replace_original, delete_original }`.
   * A URL works five times, as on Slack. `replace_original`/`delete_original` act on the message
   * the action came from; `in_channel` posts for everyone; anything else is an ephemeral reply.
   */
  respond(path: string, body: any): { status: number; body: unknown } {
    const hook = this.hooks.get(path);
    if (!hook) return { status: 404, body: 'no_active_hooks' };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: 'invalid_payload' };
    if (++hook.uses > 5) return { status: 404, body: 'used_url' };
    if (body.blocks !== undefined) {
      const errors = blockErrors(body.blocks, 50);
      if (errors === 'format' || errors.length) return { status: 400, body: 'invalid_blocks' };
    }
    this.responses.push({ envelopeId: hook.envelopeId, via: 'response_url', body, at: Date.now() });
    const text = str(body.text) ?? '';
    const original = hook.messageTs === undefined ? undefined : this.messageByTs(hook.messageTs, hook.channel);
    if (original && bool(body.delete_original)) {
      this.messages.splice(this.messages.indexOf(original), 1);
    } else if (original && bool(body.replace_original)) {
      original.text = text;
      if (body.blocks !== undefined) original.blocks = withBlockIds(body.blocks);
      else delete original.blocks;
    } else if (body.response_type === 'in_channel') {
      this.postAsBot(hook.channel, { text, ...(body.blocks ? { blocks: withBlockIds(body.blocks) } : {}), ...(body.thread_ts ? { thread_ts: String(body.thread_ts) } : {}) });
    } else {
      this.ephemerals.push({ channel: hook.channel, user: hook.user, text, ...(body.blocks ? { blocks: body.blocks } : {}), via: 'response_url' });
    }
    return { status: 200, body: { ok: true } };
  }

  /** A file the app is about to upload, and the opaque key of its upload URL. */
  expectUpload(file: Omit<FakeSlackFile, 'id' | 'data' | 'completed' | 'channel' | 'threadTs' | 'initialComment'>): { id: string; key: string } {
    const id = this.nextId('F');
    const key = randomBytes(24).toString('base64url');
    this.files.set(id, { id, ...file, data: undefined, completed: false, channel: undefined, threadTs: undefined, initialComment: undefined });
    this.uploads.set(key, id);
    return { id, key };
  }

  fileByUploadKey(key: string): FakeSlackFile | undefined {
    return this.files.get(this.uploads.get(key) ?? '');
  }

  /** A view argument checked as views.open/update check it: a modal, title ≤ 24 characters, ≤ 100 blocks. */
  checkView(value: unknown): any {
    const parsed = jsonArg(value);
    const view = parsed.value as any;
    if (!parsed.ok || typeof view !== 'object' || view === null) throw invalidArguments('must provide an object [json-pointer:/view]');
    const messages: string[] = [];
    if (view.type !== 'modal') messages.push('must be a valid enum value [json-pointer:/view/type]');
    if (typeof view.title?.text !== 'string' || view.title.type !== 'plain_text') messages.push('must provide an object [json-pointer:/view/title]');
    else if (view.title.text.length > 24) messages.push('must be less than 25 characters [json-pointer:/view/title/text]');
    if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) messages.push('must be less than 3001 characters [json-pointer:/view/private_metadata]');
    const errors = blockErrors(view.blocks, 100);
    if (errors === 'format') messages.push('must provide an array [json-pointer:/view/blocks]');
    else messages.push(...errors.map((e) => e.replace('[json-pointer:/blocks', '[json-pointer:/view/blocks')));
    if (Array.isArray(view.blocks) && view.blocks.some((b: any) => b?.type === 'input') && !view.submit) messages.push('must provide submit when blocks contain input [json-pointer:/view/submit]');
    if (messages.length) throw invalidArguments(...messages);
    return view;
  }

  /** Stores a checked view as Slack returns it: ids for blocks and inputs, a fresh hash, state kept. */
  storeView(id: string, view: any, user: string, previous?: FakeSlackView): FakeSlackView {
    const json = {
      id, team_id: this.team.id, type: view.type,
      blocks: withBlockIds(view.blocks).map((b: any) => (b.type === 'input' && b.element && b.element.action_id === undefined ? { ...b, element: { ...b.element, action_id: randomId(5) } } : b)),
      private_metadata: view.private_metadata ?? '', callback_id: view.callback_id ?? '',
      state: previous?.view.state ?? { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${randomId(8)}`,
      title: view.title, clear_on_close: view.clear_on_close ?? false, notify_on_close: view.notify_on_close ?? false,
      close: view.close ?? null, submit: view.submit ?? null,
      previous_view_id: previous?.id === id ? previous.view.previous_view_id : previous?.id ?? null,
      root_view_id: previous?.view.root_view_id ?? id,
      app_id: this.appId, external_id: view.external_id ?? '', app_installed_team_id: this.team.id, bot_id: this.botId,
    };
    const stored = previous?.id === id ? Object.assign(previous, { view: json }) : { id, view: json, user, openedAt: Date.now() };
    this.views.set(id, stored);
    return stored;
  }

  private store(message: FakeSlackMessage): FakeSlackMessage {
    this.messages.push(message);
    return message;
  }
}
