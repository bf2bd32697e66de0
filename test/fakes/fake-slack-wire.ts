/**
 * The parts of Slack's wire format that FakeSlack needs and that hold no state: how a Web API
 * request body is decoded, message timestamps and cursors, the Block Kit limits Slack enforces,
 * and what Slack would turn into a mention. Kept apart so the fake itself reads as behaviour.
 */

/** A Web API call's arguments, decoded the way Slack decodes them. */
export interface DecodedCall {
  args: Record<string, unknown>;
  /** A `token` form field (Slack accepts it in form bodies, never in JSON bodies). */
  bodyToken: string | undefined;
  /** Slack's `warning` values, e.g. `missing_charset` for JSON without `; charset=utf-8`. */
  warnings: string[];
  /** Set when the body cannot be read at all: Slack answers `{ ok: false, error }`. */
  error: string | undefined;
  /** File parts of a multipart body. */
  files: Array<{ field: string; filename: string; data: Buffer }>;
}

/**
 * Decodes a Web API request as Slack documents it: `application/x-www-form-urlencoded`,
 * `multipart/form-data`, `application/json` (token only in the Authorization header) and
 * `text/plain`, merged over the query string. Body errors are Slack's own codes:
 * `missing_post_type`, `invalid_post_type`, `invalid_charset`, `invalid_form_data`, and
 * `invalid_json` / `json_not_object` for JSON that does not parse to an object.
 */
export async function decodeCall(contentType: string | undefined, raw: Buffer, query: URLSearchParams): Promise<DecodedCall> {
  const call: DecodedCall = { args: Object.fromEntries(query), bodyToken: undefined, warnings: [], error: undefined, files: [] };
  if (raw.length === 0) return call;
  if (!contentType) return { ...call, error: 'missing_post_type' };
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim());
  const charset = params.find((p) => p.toLowerCase().startsWith('charset='))?.slice(8).replace(/"/g, '').toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'iso-8859-1') return { ...call, error: 'invalid_charset' };
  switch (type.toLowerCase()) {
    case 'application/json': {
      if (charset === undefined) call.warnings.push('missing_charset');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return { ...call, error: 'invalid_json' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ...call, error: 'json_not_object' };
      Object.assign(call.args, parsed);
      return call;
    }
    case 'application/x-www-form-urlencoded':
    case 'text/plain': {
      if (charset !== undefined && type === 'application/x-www-form-urlencoded') call.warnings.push('superfluous_charset');
      const form = new URLSearchParams(raw.toString('utf8'));
      for (const [key, value] of form) call.args[key] = value;
      return takeBodyToken(call);
    }
    case 'multipart/form-data': {
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
      } catch {
        return { ...call, error: 'invalid_form_data' };
      }
      for (const [key, value] of form) {
        if (typeof value === 'string') call.args[key] = value;
        else call.files.push({ field: key, filename: value.name, data: Buffer.from(await value.arrayBuffer()) });
      }
      return takeBodyToken(call);
    }
    default:
      return { ...call, error: 'invalid_post_type' };
  }
}

function takeBodyToken(call: DecodedCall): DecodedCall {
  const token = call.args.token;
  delete call.args.token;
  return { ...call, bodyToken: typeof token === 'string' ? token : undefined };
}

/** An argument as a string, as form bodies carry every value. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === 'true' || value === '1';
}

/** A JSON argument: form bodies carry it as a string, JSON bodies as itself. */
export function jsonArg(value: unknown): { value: unknown; ok: boolean } {
  if (typeof value !== 'string') return { value, ok: true };
  try {
    return { value: JSON.parse(value), ok: true };
  } catch {
    return { value: undefined, ok: false };
  }
}

/** Hands out message timestamps as Slack does: `seconds.micros`, unique and increasing. */
export class SlackClock {
  private last = 0;
  next(nowMs = Date.now()): string {
    const micros = Math.max(nowMs * 1000, this.last + 1);
    this.last = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

/** A timestamp (`1512085950`, `1512085950.000216`) as an exact integer of microseconds. */
export function tsKey(ts: string): bigint | undefined {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts);
  if (!match) return undefined;
  return BigInt(match[1]!) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

/** Slack's history cursor: base64 of `next_ts:<ts without the dot>`, pointing at the next page's first message. */
export function encodeCursor(ts: string): string {
  return Buffer.from(`next_ts:${tsKey(ts)}`).toString('base64');
}

export function decodeCursor(cursor: string): bigint | undefined {
  const match = /^next_ts:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match ? BigInt(match[1]!) : undefined;
}

const BLOCK_TYPES = new Set(['section', 'actions', 'context', 'divider', 'header', 'image', 'input', 'rich_text', 'markdown', 'file', 'video']);

/**
 * Checks blocks against the Block Kit limits Slack enforces, returning its error messages
 * (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`); empty when valid.
 * Covers what cards hit: 50 blocks a message (100 a view), section text 3,000, fields 10 × 2,000,
 * header 150, actions 25 elements, button text 75 and value 2,000, ids 255, unique ids.
 */
export function blockErrors(blocks: unknown, maxBlocks: number): string[] | 'format' {
  if (!Array.isArray(blocks)) return 'format';
  const errors: string[] = [];
  const at = (path: string) => `[json-pointer:/blocks${path}]`;
  const tooLong = (value: unknown, max: number, path: string) => {
    if (typeof value === 'string' && value.length > max) errors.push(`must be less than ${max + 1} characters ${at(path)}`);
  };
  const text = (value: any, max: number, path: string, plainOnly = false) => {
    if (typeof value !== 'object' || value === null || typeof value.text !== 'string') return errors.push(`must provide an object ${at(path)}`);
    if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn')) errors.push(`must be a valid enum value ${at(`${path}/type`)}`);
    if (value.text.length === 0) errors.push(`must be more than 0 characters ${at(`${path}/text`)}`);
    tooLong(value.text, max, `${path}/text`);
  };
  const element = (value: any, path: string, actionIds: Set<string>) => {
    if (typeof value !== 'object' || value === null || typeof value.type !== 'string') return errors.push(`must provide an object ${at(path)}`);
    tooLong(value.action_id, 255, `${path}/action_id`);
    if (typeof value.action_id === 'string') {
      if (actionIds.has(value.action_id)) errors.push(`duplicate action_id ${at(`${path}/action_id`)}`);
      actionIds.add(value.action_id);
    }
    if (value.type === 'button') {
      text(value.text, 75, `${path}/text`, true);
      tooLong(value.value, 2000, `${path}/value`);
      tooLong(value.url, 3000, `${path}/url`);
      if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') errors.push(`must be a valid enum value ${at(`${path}/style`)}`);
    }
    const options: any[] = Array.isArray(value.options) ? value.options : [];
    if (options.length > 100) errors.push(`no more than 100 items allowed ${at(`${path}/options`)}`);
    options.forEach((option, i) => {
      text(option?.text, 75, `${path}/options/${i}/text`);
      tooLong(option?.value, 150, `${path}/options/${i}/value`);
    });
  };
  if (blocks.length > maxBlocks) errors.push(`no more than ${maxBlocks} items allowed ${at('')}`);
  const blockIds = new Set<string>();
  blocks.forEach((block: any, i) => {
    const path = `/${i}`;
    if (typeof block !== 'object' || block === null || !BLOCK_TYPES.has(block.type)) return errors.push(`unsupported type: ${String(block?.type)} ${at(`${path}/type`)}`);
    tooLong(block.block_id, 255, `${path}/block_id`);
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) errors.push(`duplicate block_id ${at(`${path}/block_id`)}`);
      blockIds.add(block.block_id);
    }
    const actionIds = new Set<string>();
    switch (block.type) {
      case 'section':
        if (block.text === undefined && block.fields === undefined) errors.push(`must provide either text or fields ${at(path)}`);
        if (block.text !== undefined) text(block.text, 3000, `${path}/text`);
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length > 10) errors.push(`no more than 10 items allowed ${at(`${path}/fields`)}`);
          else block.fields.forEach((field: unknown, f: number) => text(field, 2000, `${path}/fields/${f}`));
        }
        if (block.accessory !== undefined) element(block.accessory, `${path}/accessory`, actionIds);
        break;
      case 'header':
        text(block.text, 150, `${path}/text`, true);
        break;
      case 'actions':
      case 'context': {
        const max = block.type === 'actions' ? 25 : 10;
        if (!Array.isArray(block.elements) || block.elements.length === 0) errors.push(`must provide an array ${at(`${path}/elements`)}`);
        else if (block.elements.length > max) errors.push(`no more than ${max} items allowed ${at(`${path}/elements`)}`);
        else if (block.type === 'actions') block.elements.forEach((e: unknown, n: number) => element(e, `${path}/elements/${n}`, actionIds));
        else block.elements.forEach((e: any, n: number) => e?.type !== 'image' && text(e, 3000, `${path}/elements/${n}`));
        break;
      }
      case 'input':
        text(block.label, 2000, `${path}/label`, true);
        if (block.element === undefined) errors.push(`must provide an object ${at(`${path}/element`)}`);
        else element(block.element, `${path}/element`, actionIds);
        break;
      case 'markdown':
        tooLong(block.text, 12_000, `${path}/text`);
        break;
    }
  });
  return errors;
}

/** Gives every block without a `block_id` a short random one, as Slack does when it stores a message. */
export function withBlockIds(blocks: any[]): any[] {
  return blocks.map((block) => (typeof block === 'object' && block !== null && block.block_id === undefined ? { ...block, block_id: randomId(5) } : block));
}

export function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}

/** Who a message would notify. `broadcasts` are `channel`, `here` and `everyone`. */
export interface SlackMentions {
  broadcasts: string[];
  users: string[];
  groups: string[];
}

/**
 * What Slack would turn into a notification: `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>` and
 * `<!subteam^S…>` in the message text, in every `mrkdwn` text object and in attachments (never in
 * `plain_text`), rich-text broadcast/user/usergroup elements, and bare `@channel`/`@here`/`@everyone`
 * when the message was sent with `parse: 'full'`. Escaped `&lt;!channel&gt;` is not a mention.
 */
export function mentionsIn(message: { text?: string; blocks?: unknown; attachments?: unknown }, sentWith: { parse?: string } = {}): SlackMentions {
  const found: SlackMentions = { broadcasts: [], users: [], groups: [] };
  const scan = (text: string) => {
    for (const m of text.matchAll(/<!(channel|here|everyone)(?:\|[^>]*)?>/g)) found.broadcasts.push(m[1]!);
    for (const m of text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)) found.users.push(m[1]!);
    for (const m of text.matchAll(/<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>/g)) found.groups.push(m[1]!);
    if (sentWith.parse === 'full') for (const m of text.matchAll(/(?:^|[^\w&])@(channel|here|everyone)\b/g)) found.broadcasts.push(m[1]!);
  };
  if (typeof message.text === 'string') scan(message.text);
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.type === 'mrkdwn' && typeof n.text === 'string') scan(n.text);
    if (n.type === 'broadcast' && typeof n.range === 'string') found.broadcasts.push(n.range);
    if (n.type === 'user' && typeof n.user_id === 'string') found.users.push(n.user_id);
    if (n.type === 'usergroup' && typeof n.usergroup_id === 'string') found.groups.push(n.usergroup_id);
    for (const [key, value] of Object.entries(n)) if (key !== 'text' || typeof value !== 'string') walk(value);
  };
  walk(message.blocks);
  if (Array.isArray(message.attachments)) {
    for (const a of message.attachments as Array<Record<string, unknown>>) {
      for (const key of ['text', 'pretext', 'title', 'footer']) if (typeof a[key] === 'string') scan(a[key] as string);
      walk(a.blocks);
    }
  }
  return found;
}

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', pdf: 'application/pdf', csv: 'text/csv', txt: 'text/plain', md: 'text/markdown', html: 'text/html', json: 'application/json' };

export function mimeTypeOf(filename: string): string {
  return MIME[filename.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** A Web API failure: answered as `{ ok: false, error: code, ...extra }` with HTTP 200, as Slack does. */
export class SlackApiError extends Error {
  constructor(readonly code: string, readonly extra: Record<string, unknown> = {}) {
    super(code);
  }
}

/** Slack's answer to a missing or malformed required argument. */
export function invalidArguments(...messages: string[]): SlackApiError {
  return new SlackApiError('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
}
