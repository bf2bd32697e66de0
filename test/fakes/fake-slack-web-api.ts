import { blockErrors, bool, decodeCursor, encodeCursor, invalidArguments, jsonArg, mimeTypeOf, SlackApiError, str, tsKey, withBlockIds } from './fake-slack-wire.js';
import type { FakeSlackChannel, FakeSlackMessage, SlackWorkspace } from './fake-slack-workspace.js';

/** A 429: answered with `Retry-After` (whole seconds, as WebClient parses it) and `{ ok: false, error: 'ratelimited' }`. */
export class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('ratelimited');
  }
}

/**
 * The Web API methods the fake knows and the scope each needs. All take the bot token but
 * `apps.connections.open`, which takes the app-level token (`connections:write`).
 */
export const SCOPE_OF: Readonly<Record<string, string | undefined>> = {
  'auth.test': undefined,
  'apps.connections.open': 'connections:write',
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.history': 'channels:history',
  'conversations.replies': 'channels:history',
  'views.open': undefined,
  'views.update': undefined,
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
};

const MAX_TEXT = 40_000;

/**
 * What each Web API method does to the workspace and answers (the `ok: true` part; failures are
 * thrown as SlackApiError or RateLimited). Arguments, errors and answers follow Slack's method
 * reference (slack-ruby/slack-api-ref `methods/<group>/<method>.json`).
 */
export class SlackWebApi {
  private readonly channelSends = new Map<string, number[]>();

  constructor(
    private readonly ws: SlackWorkspace,
    private readonly links: { openLink(): string; uploadUrl(key: string): string },
  ) {}

  call(method: string, a: Record<string, unknown>): Record<string, any> {
    const ws = this.ws;
    switch (method) {
      case 'auth.test':
        return { url: `https://${ws.team.domain}.slack.com/`, team: ws.team.name, user: 'triage', team_id: ws.team.id, user_id: ws.botUserId, bot_id: ws.botId, is_enterprise_install: false };
      case 'apps.connections.open':
        return { url: this.links.openLink() };
      case 'chat.postMessage':
        return this.postMessage(a);
      case 'chat.update':
        return this.update(a);
      case 'chat.postEphemeral': {
        const channel = this.channelOf(a.channel);
        const user = ws.users.get(str(a.user) ?? '');
        if (!user || user.deleted) throw new SlackApiError('user_not_in_channel');
        const content = this.content(a, { truncate: false, required: true });
        ws.ephemerals.push({ channel: channel.id, user: user.id, text: content.text ?? '', ...(content.blocks ? { blocks: content.blocks } : {}), via: 'chat.postEphemeral' });
        return { message_ts: ws.nextTs() };
      }
      case 'conversations.history': {
        const channel = this.channelOf(a.channel);
        return this.page(ws.messagesIn(channel.id).slice().reverse(), a, { defaultLimit: 100, ascending: false });
      }
      case 'conversations.replies': {
        const channel = this.channelOf(a.channel);
        const message = ws.messageByTs(str(a.ts) ?? '', channel.id);
        if (!message) throw new SlackApiError('thread_not_found');
        const parentTs = message.thread_ts ?? message.ts;
        const parent = ws.messageByTs(parentTs, channel.id);
        const thread = [...(parent ? [parent] : []), ...ws.repliesTo(parentTs).filter((m) => m.channel === channel.id)];
        return this.page(thread, a, { defaultLimit: 1000, ascending: true });
      }
      case 'views.open': {
        const user = ws.spendTrigger(str(a.trigger_id));
        return { view: ws.storeView(ws.nextId('V'), ws.checkView(a.view), user).view };
      }
      case 'views.update': {
        const stored = [...ws.views.values()].find((v) => (a.view_id !== undefined && v.id === str(a.view_id)) || (a.external_id !== undefined && v.view.external_id === str(a.external_id)));
        if (!stored) throw new SlackApiError('not_found');
        if (a.hash !== undefined && str(a.hash) !== stored.view.hash) throw new SlackApiError('hash_conflict');
        return { view: ws.storeView(stored.id, ws.checkView(a.view), stored.user, stored).view };
      }
      case 'files.getUploadURLExternal': {
        const filename = str(a.filename);
        const length = Number(str(a.length));
        if (!filename) throw invalidArguments('missing required field: filename');
        if (!Number.isInteger(length) || length < 0) throw invalidArguments('missing required field: length');
        // WebClient sends `alt_text`; Slack's reference names it `alt_txt`.
        const { id, key } = ws.expectUpload({ filename, title: filename, length, altText: str(a.alt_txt) ?? str(a.alt_text) });
        return { upload_url: this.links.uploadUrl(key), file_id: id };
      }
      case 'files.completeUploadExternal':
        return this.completeUpload(a);
      case 'users.info': {
        const user = ws.users.get(str(a.user) ?? '');
        if (!user) throw new SlackApiError('user_not_found');
        return { user: ws.userJson(user) };
      }
      case 'usergroups.users.list': {
        const members = ws.usergroups.get(str(a.usergroup) ?? '');
        if (!members) throw new SlackApiError('no_such_subteam');
        return { users: [...members] };
      }
    }
    throw new SlackApiError('unknown_method', { req_method: method });
  }

  private channelOf(value: unknown): FakeSlackChannel {
    const key = (str(value) ?? '').replace(/^#/, '');
    const channel = this.ws.channels.get(key) ?? [...this.ws.channels.values()].find((c) => c.name === key);
    if (!channel) throw new SlackApiError('channel_not_found');
    if (!channel.botIsMember) throw new SlackApiError('not_in_channel');
    return channel;
  }

  /** Text, blocks, attachments and metadata of a chat.* call, checked as Slack checks them. */
  private content(a: Record<string, unknown>, { truncate, required }: { truncate: boolean; required: boolean }) {
    const out: { text?: string; blocks?: any[]; attachments?: any[]; metadata?: FakeSlackMessage['metadata'] } = {};
    let text = str(a.text);
    if (text !== undefined && text.length > MAX_TEXT) {
      // chat.postMessage truncates long text; chat.update and chat.postEphemeral refuse it.
      if (!truncate) throw new SlackApiError('msg_too_long');
      text = text.slice(0, MAX_TEXT);
    }
    if (text !== undefined) out.text = text;
    if (a.blocks !== undefined) {
      const blocks = jsonArg(a.blocks);
      const errors = blocks.ok ? blockErrors(blocks.value, 50) : 'format';
      if (errors === 'format') throw new SlackApiError('invalid_blocks_format');
      if (errors.length) throw new SlackApiError('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
      out.blocks = withBlockIds(blocks.value as any[]);
    }
    if (a.attachments !== undefined) {
      const attachments = jsonArg(a.attachments);
      if (!attachments.ok || !Array.isArray(attachments.value)) throw new SlackApiError('invalid_attachments');
      out.attachments = attachments.value;
    }
    if (a.metadata !== undefined) {
      const metadata = jsonArg(a.metadata);
      const m = metadata.value as any;
      if (!metadata.ok || typeof m !== 'object' || m === null) throw new SlackApiError('invalid_metadata_format');
      if (Object.keys(m).length > 0 && (typeof m.event_type !== 'string' || typeof m.event_payload !== 'object' || m.event_payload === null)) throw new SlackApiError('invalid_metadata_schema');
      out.metadata = m;
    }
    if (required && !out.text && !out.blocks?.length && !out.attachments?.length) throw new SlackApiError('no_text');
    return out;
  }

  private postMessage(a: Record<string, unknown>): Record<string, any> {
    const channel = this.channelOf(a.channel);
    const content = this.content(a, { truncate: true, required: true });
    const limit = this.ws.channelLimit;
    const now = Date.now();
    const recent = (this.channelSends.get(channel.id) ?? []).filter((t) => limit && t > now - limit.windowMs);
    if (limit && recent.length >= limit.count) throw new RateLimited(Math.max(1, Math.ceil((recent[0]! + limit.windowMs - now) / 1000)));
    this.channelSends.set(channel.id, [...recent, now]);
    const threadTs = str(a.thread_ts);
    const parent = threadTs === undefined ? undefined : this.ws.messageByTs(threadTs, channel.id);
    const parse = str(a.parse);
    const message = this.ws.postAsBot(channel.id, {
      text: content.text ?? '',
      ...(content.blocks ? { blocks: content.blocks } : {}),
      ...(content.attachments ? { attachments: content.attachments } : {}),
      ...(content.metadata && Object.keys(content.metadata).length ? { metadata: content.metadata } : {}),
      ...(threadTs !== undefined ? { thread_ts: threadTs, parent_user_id: parent?.user ?? this.ws.botUserId, ...(bool(a.reply_broadcast) ? { reply_broadcast: true } : {}) } : {}),
    }, parse === undefined ? {} : { parse });
    return { channel: channel.id, ts: message.ts, message: this.ws.wire(message) };
  }

  private update(a: Record<string, unknown>): Record<string, any> {
    const channel = this.channelOf(a.channel);
    const message = this.ws.messageByTs(str(a.ts) ?? '', channel.id);
    if (!message) throw new SlackApiError('message_not_found');
    if (message.user !== this.ws.botUserId) throw new SlackApiError('cant_update_message');
    const content = this.content(a, { truncate: false, required: false });
    if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) throw new SlackApiError('no_text');
    // What is left out keeps its previous value; an empty array or object removes it.
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks !== undefined) message.blocks = content.blocks;
    if (content.attachments !== undefined) message.attachments = content.attachments;
    if (content.metadata !== undefined) {
      if (Object.keys(content.metadata).length) message.metadata = content.metadata;
      else delete message.metadata;
    }
    message.edited = { user: this.ws.botUserId, ts: this.ws.nextTs() };
    const parse = str(a.parse);
    this.ws.markSentWith(message, parse === undefined ? {} : { parse });
    return { channel: channel.id, ts: message.ts, text: message.text, message: this.ws.wire(message) };
  }

  /** One page, as conversations.history (newest first) and .replies (oldest first) page: `latest`, `oldest`, `inclusive`, `limit`, `cursor`. */
  private page(messages: FakeSlackMessage[], a: Record<string, unknown>, { defaultLimit, ascending }: { defaultLimit: number; ascending: boolean }): Record<string, any> {
    const latest = a.latest === undefined ? undefined : tsKey(str(a.latest) ?? '');
    const oldest = a.oldest === undefined ? undefined : tsKey(str(a.oldest) ?? '');
    if (a.latest !== undefined && latest === undefined) throw new SlackApiError('invalid_ts_latest');
    if (a.oldest !== undefined && oldest === undefined) throw new SlackApiError('invalid_ts_oldest');
    const inclusive = bool(a.inclusive);
    const hasCursor = a.cursor !== undefined && a.cursor !== '';
    const cursor = hasCursor ? decodeCursor(str(a.cursor) ?? '') : undefined;
    if (hasCursor && cursor === undefined) throw new SlackApiError('invalid_cursor');
    const requested = Math.floor(Number(str(a.limit) ?? defaultLimit));
    const limit = Math.min(requested > 0 ? requested : defaultLimit, 999);
    const inRange = messages.filter((m) => {
      const key = tsKey(m.ts)!;
      if (latest !== undefined && (inclusive ? key > latest : key >= latest)) return false;
      if (oldest !== undefined && (inclusive ? key < oldest : key <= oldest)) return false;
      return cursor === undefined || (ascending ? key >= cursor : key <= cursor);
    });
    const next = inRange[limit];
    return {
      messages: inRange.slice(0, limit).map((m) => this.ws.wire(m, bool(a.include_all_metadata))),
      has_more: next !== undefined,
      ...(ascending ? {} : { pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 }),
      ...(a.latest !== undefined ? { latest: str(a.latest) } : {}),
      ...(a.oldest !== undefined ? { oldest: str(a.oldest) } : {}),
      ...(next ? { response_metadata: { next_cursor: encodeCursor(next.ts) } } : {}),
    };
  }

  /** Shares uploaded files: the file objects, and a message carrying them in the channel (or thread) given. */
  private completeUpload(a: Record<string, unknown>): Record<string, any> {
    const parsed = jsonArg(a.files);
    if (!parsed.ok || !Array.isArray(parsed.value) || parsed.value.length === 0) throw invalidArguments('missing required field: files');
    const files = (parsed.value as Array<{ id?: unknown; title?: unknown }>).map((entry) => {
      const file = this.ws.files.get(str(entry?.id) ?? '');
      if (!file || file.data === undefined) throw new SlackApiError('file_not_found');
      return { file, title: str(entry.title) };
    });
    const target = a.channel_id ?? a.channels;
    const channel = target === undefined ? undefined : this.channelOf(target);
    const threadTs = str(a.thread_ts);
    const initialComment = str(a.initial_comment);
    for (const { file, title } of files) Object.assign(file, { completed: true, title: title ?? file.title, channel: channel?.id, threadTs, initialComment });
    if (channel) {
      this.ws.postAsBot(channel.id, {
        text: initialComment ?? '',
        files: files.map(({ file }) => ({ id: file.id, name: file.filename, title: file.title, mimetype: mimeTypeOf(file.filename), size: file.length })),
        upload: true,
        ...(threadTs ? { thread_ts: threadTs, parent_user_id: this.ws.messageByTs(threadTs, channel.id)?.user ?? this.ws.botUserId } : {}),
      });
    }
    return { files: files.map(({ file }) => ({ id: file.id, title: file.title })) };
  }
}
