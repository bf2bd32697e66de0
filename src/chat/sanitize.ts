import type { APIActionRowComponent, APIComponentInMessageActionRow, APIEmbed, APIEmbedField } from 'discord.js';

/**
 * The one sanitiser for everything Triage shows. Outside text (posts, handles, names, platform
 * names, URLs from a source or a replay file) passes through here on its way to Discord or a
 * terminal, and every rendered Discord message gets a last pass that enforces Discord's limits
 * whatever the renderer built. Nothing here throws, whatever it is given.
 */

/**
 * Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits,
 * .../interactions/message-components), counted conservatively in UTF-16 code units (an emoji
 * counts two), plus our own bound on links.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  author: 256,
  /** Title, description, field names and values, footer and author name of every embed in a message. */
  embedTotal: 6000,
  buttonLabel: 80,
  customId: 100,
  rows: 5,
  buttonsPerRow: 5,
  selectOptions: 25,
  selectLabel: 100,
  selectValue: 100,
  selectDescription: 100,
  selectPlaceholder: 150,
  /** Ours, not Discord's (2,048): a longer link from a post is tracking junk or an attack, and is dropped. */
  url: 512,
} as const;

/** Largest |epoch ms| a JavaScript Date can hold; past it, formatting throws. */
const MAX_DATE_MS = 8.64e15;

// Invisible, direction-changing and "tag" characters make text lie about itself: the bidi overrides
// and isolates, zero-width space, LRM/RLM, word joiners, BOM, interlinear annotations, Mongolian
// vowel separator, soft hyphen, and the Unicode tag block (used to smuggle hidden text). C0 controls
// but tab and newline, DEL and C1 controls go too. ZWJ/ZWNJ stay: emoji and scripts need them.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]|\uDB40[\uDC00-\uDC7F]/g;
const CONTROLS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Terminal escape sequences: CSI, OSC (to BEL or ST, or to the end), DCS/SOS/PM/APC, two-byte ESC, and the 8-bit CSI. */
const TERMINAL_ESCAPE = /\u001B(?:\[[0-?]*[ -/]*[@-~]?|\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[PX^_][^\u001B]*(?:\u001B\\)?|[ -/]*[0-~]?)|\u009B[0-?]*[ -/]*[@-~]?/g;

/** Any value as a string: what a hostile or corrupted record holds does not make us throw. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  try {
    return String(value);
  } catch {
    return '';
  }
}

/** Text with lone surrogates replaced, line breaks normalised and invisible characters dropped. */
export function cleanText(value: unknown): string {
  return asText(value)
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(INVISIBLE, '');
}

/** Cuts to `max` UTF-16 units, never splitting a surrogate pair, marking the cut with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * `@everyone` and `@here` broken with a zero-width space. These are the only mentions written as a
 * bare word; the others need `<`, which {@link inert} escapes. Idempotent.
 */
export function neutraliseMentions(text: string): string {
  return text.replace(/@(?=everyone|here)/gi, '@\u200B');
}

/**
 * Discord markdown escaped: emphasis, strike, spoilers, code, masked links, `<` (user, role,
 * channel, command and timestamp mentions, custom emoji; `<@` is broken too) and the line-start
 * forms (headings, subtext, quotes, lists).
 */
function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\*_~|`[\]<]/g, '\\$&')
    // Belt and braces for user and role mentions: escaped and broken.
    .replace(/<@/g, '<@\u200B')
    .replace(/^([ \t]*)(#{1,3}|-#|>{1,3}|-|\+)(?=[ \t]|$)/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)([.)])(?=[ \t])/gm, '$1\\$2');
}

/**
 * Outside text made inert where Discord renders markdown (descriptions, field names and values,
 * titles, message content): invisible characters dropped, markdown and mention syntax escaped,
 * mass mentions broken, then cut to `max`.
 */
export function inert(text: unknown, max: number): string {
  // Cut first (escaping only lengthens), so a 100 kB post costs no more than a short one.
  return truncate(neutraliseMentions(escapeMarkdown(truncate(cleanText(text), max))), max);
}

/**
 * Outside text for places Discord shows as plain text (footer, author name, button and menu
 * labels): one line, invisible characters dropped, mentions broken, cut to `max`. Not
 * markdown-escaped: there a backslash would show.
 */
export function plain(text: unknown, max: number): string {
  const flat = truncate(cleanText(text).replace(/\s+/g, ' ').trim(), max);
  // Mention syntax does not render here today; broken with an invisible space in case it ever does.
  return truncate(neutraliseMentions(flat.replace(/<(?=[@#/:]|[at]:)/g, '<\u200B')), max);
}

/**
 * A link we may show: `http(s)` only, a host, no spaces, controls or invisible characters, at most
 * {@link DISCORD_LIMITS.url} characters. Anything else is dropped (undefined), not sent.
 */
export function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > DISCORD_LIMITS.url) return undefined;
  if (!/^https?:\/\/[^\s<>"\\^`{|}]+$/i.test(value) || cleanText(value) !== value) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return undefined;
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.hostname === '') return undefined;
  return parsed.href.length <= DISCORD_LIMITS.url ? parsed.href : undefined;
}

/** True for an epoch-ms time a Date can hold. */
export function isValidTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

/** ISO 8601 for a valid time, else undefined (a far-future or infinite time must not throw). */
export function isoTime(ms: unknown): string | undefined {
  return isValidTime(ms) ? new Date(ms).toISOString() : undefined;
}

/** A Discord timestamp (`<t:unix:R>` renders as "in 3 hours" in each reader's zone), or "unknown time". */
export function discordTime(ms: unknown, style: 'R' | 'f' | 'F' | 't' | 'd'): string {
  return isValidTime(ms) ? `<t:${Math.floor(ms / 1000)}:${style}>` : 'unknown time';
}

/** A count for people: "12,000", or "?" for anything that is not a finite number. */
export function count(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '?';
}

/** The characters Discord counts towards an embed's 6,000, as Discord counts them. */
export function embedLength(embed: APIEmbed): number {
  return (embed.title?.length ?? 0)
    + (embed.description?.length ?? 0)
    + (embed.fields ?? []).reduce((n, f) => n + (f.name?.length ?? 0) + (f.value?.length ?? 0), 0)
    + (embed.footer?.text?.length ?? 0)
    + (embed.author?.name?.length ?? 0);
}

/**
 * The last pass over an embed before it is sent: mass mentions broken in every text, each text cut
 * to its limit, at most 25 fields, links that are not {@link safeUrl} dropped, times that are not
 * valid dropped, and the whole within 6,000 characters (the description gives way first, then the
 * last fields, then footer, author and title). Empty texts are dropped or, where Discord requires
 * one, replaced by a dash.
 */
export function fitEmbed(embed: APIEmbed, budget: number = DISCORD_LIMITS.embedTotal): APIEmbed {
  const L = DISCORD_LIMITS;
  // The pieces were cleaned already (and our zero-width spaces must stay): controls only, as a safety net.
  const fit = (text: unknown, max: number) => truncate(neutraliseMentions(asText(text).replace(LONE_SURROGATE, '\uFFFD').replace(CONTROLS, '')), max);
  const out: APIEmbed = { ...embed };
  const title = fit(embed.title, L.title);
  if (title) out.title = title;
  else delete out.title;
  const description = fit(embed.description, L.description);
  if (description) out.description = description;
  else delete out.description;
  const url = safeUrl(embed.url);
  if (url) out.url = url;
  else delete out.url;
  if (embed.timestamp !== undefined && isoTime(Date.parse(asText(embed.timestamp))) === undefined) delete out.timestamp;
  if (embed.color !== undefined && !(Number.isInteger(embed.color) && embed.color >= 0 && embed.color <= 0xffffff)) delete out.color;
  if (embed.author) {
    const name = fit(embed.author.name, L.author);
    const authorUrl = safeUrl(embed.author.url);
    if (name) out.author = { ...embed.author, name, ...(authorUrl ? { url: authorUrl } : {}) };
    else delete out.author;
    if (out.author && !authorUrl) delete out.author.url;
  }
  if (embed.footer) {
    const text = fit(embed.footer.text, L.footer);
    if (text) out.footer = { ...embed.footer, text };
    else delete out.footer;
  }
  if (embed.fields) {
    out.fields = embed.fields.slice(0, L.fields).map((f): APIEmbedField => ({
      ...f,
      name: fit(f.name, L.fieldName) || '–',
      value: fit(f.value, L.fieldValue) || '–',
    }));
  }
  let excess = embedLength(out) - budget;
  if (excess > 0 && out.description) {
    const keep = Math.max(0, out.description.length - excess);
    if (keep > 0) out.description = truncate(out.description, keep);
    else delete out.description;
    excess = embedLength(out) - budget;
  }
  while (excess > 0 && out.fields && out.fields.length > 0) {
    out.fields = out.fields.slice(0, -1);
    excess = embedLength(out) - budget;
  }
  // Still over (a huge footer, author or title): those give way too, in that order.
  if (excess > 0 && out.footer) {
    const text = truncate(out.footer.text, Math.max(0, out.footer.text.length - excess));
    if (text) out.footer = { ...out.footer, text };
    else delete out.footer;
    excess = embedLength(out) - budget;
  }
  if (excess > 0 && out.author) {
    const name = truncate(out.author.name, Math.max(0, out.author.name.length - excess));
    if (name) out.author = { ...out.author, name };
    else delete out.author;
    excess = embedLength(out) - budget;
  }
  if (excess > 0 && out.title) {
    const kept = truncate(out.title, Math.max(0, out.title.length - excess));
    if (kept) out.title = kept;
    else delete out.title;
  }
  return out;
}

type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/**
 * The last pass over a message's buttons and menus: at most five rows of five, labels, values,
 * descriptions and placeholders within their limits and never empty, option values unique, menus
 * with no option left dropped.
 */
export function fitComponents(rows: readonly Row[]): Row[] {
  const L = DISCORD_LIMITS;
  const label = (text: unknown, max: number) => plain(text, max) || '–';
  const out: Row[] = [];
  for (const row of rows.slice(0, L.rows)) {
    const components: Array<Record<string, unknown>> = [];
    for (const component of row.components.slice(0, L.buttonsPerRow)) {
      const c: Record<string, unknown> = { ...component };
      if (typeof c.custom_id === 'string') c.custom_id = c.custom_id.slice(0, L.customId);
      if (typeof c.label === 'string') c.label = label(c.label, L.buttonLabel);
      if (typeof c.placeholder === 'string') c.placeholder = plain(c.placeholder, L.selectPlaceholder);
      if (Array.isArray(c.options)) {
        const seen = new Set<string>();
        const options: Array<Record<string, unknown>> = [];
        for (const option of c.options as Array<Record<string, unknown>>) {
          const value = cleanText(option.value).slice(0, L.selectValue);
          if (!value || seen.has(value)) continue;
          seen.add(value);
          const fitted: Record<string, unknown> = { ...option, label: label(option.label, L.selectLabel), value };
          const description = option.description === undefined ? '' : plain(option.description, L.selectDescription);
          if (description) fitted.description = description;
          else delete fitted.description;
          options.push(fitted);
          if (options.length === L.selectOptions) break;
        }
        // A menu needs an option; one with none left is dropped rather than refused by Discord.
        if (options.length === 0) continue;
        c.options = options;
      }
      components.push(c);
    }
    if (components.length > 0) out.push({ ...row, components: components as unknown as APIComponentInMessageActionRow[] });
  }
  return out;
}

/** Message content within Discord's 2,000 characters, without invisible characters. */
export function fitContent(content: string): string {
  return truncate(cleanText(content), DISCORD_LIMITS.content);
}

/**
 * Text made safe for a terminal, keeping line breaks: escape sequences removed whole (colours,
 * cursor moves, window titles, hyperlinks), then every control character but newline, tab turned
 * into a space, bidi overrides and invisible characters dropped.
 */
export function terminalText(value: unknown): string {
  return asText(value)
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(TERMINAL_ESCAPE, '')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(INVISIBLE, '');
}

/** Outside text as one terminal line: {@link terminalText}, white space collapsed, cut to `max`. */
export function terminalLine(value: unknown, max = 500): string {
  return truncate(terminalText(value).replace(/\s+/g, ' ').trim(), max);
}

// ---- Slack --------------------------------------------------------------------------------------

/**
 * Slack's Block Kit limits (docs.slack.dev/reference/block-kit: blocks, block elements, composition
 * objects), counted in UTF-16 code units like Discord's, plus our own bounds.
 */
export const SLACK_LIMITS = {
  /** Blocks in a message; a modal takes 100. */
  blocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  selectOptions: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  placeholder: 150,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  /** Ours: Slack cuts a message's `text` at 40,000, and a notification shows far less of it. */
  messageText: 4000,
} as const;

/** `&`, `<` and `>` as Slack's three entities: with them no text can become `<!channel>`, `<@U…>` or a link. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `@channel`, `@here` and `@everyone` broken with a zero-width space: Slack turns them into mass
 * mentions when a message is sent with `parse: 'full'` or `link_names`, which Triage never does;
 * belt and braces should that ever change. Idempotent.
 */
function neutraliseSlackBroadcasts(text: string): string {
  return text.replace(/@(?=channel|here|everyone)/gi, '@\u200B');
}

/**
 * Cuts mrkdwn to `max` without leaving half of something Slack parses at the end: an entity
 * (`&am…`) or one of our own `<…>` tokens (a date, a link, a group mention) whose `>` was cut off.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = truncate(text, max);
  const open = cut.lastIndexOf('<');
  if (open !== -1 && cut.indexOf('>', open) === -1) cut = `${cut.slice(0, open).trimEnd()}…`;
  return cut.replace(/&[a-z]{0,4}…$/, '…');
}

/**
 * Outside text made inert for a Slack `mrkdwn` text: invisible characters dropped, `&`, `<`, `>`
 * escaped, broadcast words broken, cut to `max`. Emphasis marks (`*`, `_`, `~`) have no escape in
 * mrkdwn; they can style a word, never notify anyone.
 */
export function slackInert(text: unknown, max: number): string {
  // Cut first (escaping only lengthens), so a 100 kB post costs no more than a short one.
  return truncateMrkdwn(neutraliseSlackBroadcasts(slackEscape(truncate(cleanText(text), max))), max);
}

/**
 * Outside text for a Slack `plain_text` (button and option labels, headers, modal titles): one
 * line, invisible characters dropped, cut to `max`. Slack parses nothing in plain text, so there
 * is nothing to escape (an entity would show as written).
 */
export function slackPlain(text: unknown, max: number): string {
  return truncate(neutraliseSlackBroadcasts(truncate(cleanText(text).replace(/\s+/g, ' ').trim(), max)), max);
}

/**
 * A Slack date token (`<!date^unix^{date_short_pretty} {time}|fallback>`), shown in each reader's
 * own time zone, or "unknown time". The fallback holds no `|` or `>`.
 */
export function slackTime(ms: unknown, format = '{date_short_pretty} {time}'): string {
  if (!isValidTime(ms)) return 'unknown time';
  const fallback = new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback} UTC>`;
}

/** A link for mrkdwn (`<url|label>`) when the URL is {@link safeUrl}; the escaped label alone otherwise. */
export function slackLink(url: unknown, label: string): string {
  const safe = safeUrl(url);
  const text = slackInert(label, 200).replace(/\|/g, '¦');
  return safe ? `<${slackEscape(safe)}|${text}>` : text;
}

type Json = Record<string, unknown>;

/**
 * The last pass over a message's (or a modal's) blocks before they are sent, whatever the renderer
 * built: at most `maxBlocks` blocks, every text within its limit and never empty, at most ten
 * fields and context elements, buttons' and options' texts and values within theirs, option values
 * unique, block and action ids cut to 255 and unique, menus with no option left and action rows
 * with no element left dropped. Texts are assumed cleaned and escaped already; they are only cut.
 */
export function fitBlocks<B>(blocks: readonly B[], maxBlocks: number = SLACK_LIMITS.blocks): B[] {
  const L = SLACK_LIMITS;
  const textObject = (value: unknown, max: number): Json => {
    const t = { ...(value as Json) };
    const raw = typeof t.text === 'string' ? t.text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROLS, ' ') : '';
    t.text = (t.type === 'mrkdwn' ? truncateMrkdwn(raw, max) : truncate(raw, max)) || '–';
    return t;
  };
  const blockIds = new Set<string>();
  const out: B[] = [];
  for (const original of blocks) {
    if (out.length === maxBlocks) break;
    const block: Json = { ...(original as Json) };
    if (typeof block.block_id === 'string') {
      const id = block.block_id.slice(0, L.blockId);
      if (blockIds.has(id)) delete block.block_id;
      else blockIds.add((block.block_id = id));
    }
    const actionIds = new Set<string>();
    const element = (value: unknown): Json | undefined => {
      const e: Json = { ...(value as Json) };
      if (typeof e.action_id === 'string') {
        e.action_id = e.action_id.slice(0, L.actionId);
        if (actionIds.has(e.action_id as string)) return undefined;
        actionIds.add(e.action_id as string);
      }
      if (e.type === 'button') {
        e.text = textObject({ ...(e.text as Json), text: slackPlain((e.text as Json | undefined)?.text, L.buttonText) }, L.buttonText);
        if (typeof e.value === 'string') e.value = e.value.slice(0, L.buttonValue);
      }
      if (e.placeholder !== undefined) e.placeholder = textObject(e.placeholder, L.placeholder);
      if (Array.isArray(e.options)) {
        const seen = new Set<string>();
        const options: Json[] = [];
        for (const option of e.options as Json[]) {
          const v = cleanText(option.value).slice(0, L.optionValue);
          if (!v || seen.has(v)) continue;
          seen.add(v);
          const fitted: Json = { ...option, value: v, text: textObject(option.text, L.optionText) };
          if (option.description !== undefined) fitted.description = textObject(option.description, L.optionDescription);
          options.push(fitted);
          if (options.length === L.selectOptions) break;
        }
        if (options.length === 0) return undefined;
        e.options = options;
      }
      return e;
    };
    switch (block.type) {
      case 'section': {
        if (block.text !== undefined) block.text = textObject(block.text, L.sectionText);
        if (Array.isArray(block.fields)) block.fields = (block.fields as unknown[]).slice(0, L.fields).map((f) => textObject(f, L.fieldText));
        if (block.text === undefined && !(Array.isArray(block.fields) && block.fields.length > 0)) continue;
        if (block.accessory !== undefined) {
          const accessory = element(block.accessory);
          if (accessory) block.accessory = accessory;
          else delete block.accessory;
        }
        break;
      }
      case 'header':
        block.text = textObject({ ...(block.text as Json), type: 'plain_text' }, L.headerText);
        break;
      case 'context': {
        const elements = Array.isArray(block.elements) ? (block.elements as Json[]).slice(0, L.contextElements) : [];
        if (elements.length === 0) continue;
        block.elements = elements.map((e) => (e.type === 'image' ? e : textObject(e, L.contextText)));
        break;
      }
      case 'actions': {
        const elements = (Array.isArray(block.elements) ? (block.elements as unknown[]) : []).map(element).filter((e): e is Json => e !== undefined).slice(0, L.actionsElements);
        if (elements.length === 0) continue;
        block.elements = elements;
        break;
      }
      case 'input': {
        block.label = textObject({ ...(block.label as Json), type: 'plain_text' }, L.inputLabel);
        const fitted = block.element === undefined ? undefined : element(block.element);
        if (!fitted) continue;
        block.element = fitted;
        break;
      }
    }
    out.push(block as B);
  }
  return out;
}
