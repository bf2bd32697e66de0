import { escapeMarkdown } from 'discord.js';
import type { APIActionRowComponent, APIComponentInMessageActionRow, APIEmbed, APIEmbedField, APISelectMenuOption } from 'discord.js';
import type { AlertView } from '../../domain/alert.js';
import { isClosed } from '../../domain/alert.js';
import type { Urgency } from '../../domain/classification.js';
import type { AlertCard } from '../chat.js';

/** Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  fields: 25,
  embedTotal: 6000,
  customId: 100,
  selectOptions: 25,
  selectLabel: 100,
  selectDescription: 100,
  buttonsPerRow: 5,
} as const;

/** The colour of an urgency; past its first-response target a card turns dark red, at risk amber. */
const COLOURS: Record<Urgency, number> = { critical: 0xd32f2f, high: 0xf57c00, normal: 0x1976d2, low: 0x9e9e9e, ignore: 0x616161 };
const BREACHED = 0x7f0000;
const AT_RISK = 0xffb300;

// Invisible and direction-changing characters make text lie about itself; drop them from outside text.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Cuts to `max` characters (code points, never splitting a surrogate pair), marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  let out = '';
  for (const char of chars) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/**
 * Text from outside made inert for Discord: markdown and masked links escaped, mention syntax
 * broken (`@everyone`, `<@&role>`), invisible controls dropped, then cut to `max`.
 */
export function inert(text: string, max: number): string {
  // Cut first (escaping only lengthens), so a 100 kB post costs no more than a short one.
  const cleaned = escapeMarkdown(truncate(text.replace(INVISIBLE, ''), max))
    .replace(/[[\]]/g, (c) => `\\${c}`)
    .replace(/</g, '\\<')
    .replace(/@/g, '@\u200B');
  return truncate(cleaned, max);
}

export interface RenderOptions {
  now: number;
  /** Fraction of the first-response window after which the card shows "at risk". */
  atRiskFraction?: number;
}

function stamp(ms: number): string {
  const unix = Math.floor(ms / 1000);
  return `<t:${unix}:R> (<t:${unix}:f>)`;
}

function stateLine(alert: AlertView): string {
  switch (alert.state) {
    case 'claimed':
      return `claimed by ${alert.assignee ?? 'someone'}`;
    case 'responded':
      return alert.waitingSince !== null
        ? `waiting on the customer since <t:${Math.floor(alert.waitingSince / 1000)}:R> (resolution clock paused)`
        : `responded${alert.respondedBy ? ` by ${alert.respondedBy}` : ''}`;
    case 'snoozed':
      return alert.snoozedUntil ? `snoozed until <t:${Math.floor(alert.snoozedUntil / 1000)}:f> (clock still running)` : 'snoozed';
    default:
      return alert.state;
  }
}

function slaStatus(alert: AlertView, options: RenderOptions): 'breached' | 'at-risk' | 'ok' | 'none' {
  if (alert.firstResponseDueAt === null || alert.firstResponseAt !== null || isClosed(alert.state)) return 'none';
  if (options.now >= alert.firstResponseDueAt) return 'breached';
  const window = alert.firstResponseDueAt - alert.mention.createdAt;
  return options.now >= alert.mention.createdAt + window * (options.atRiskFraction ?? 0.8) ? 'at-risk' : 'ok';
}

/** The embed of an alert card. Every piece is cut to its limit, so the total stays under 6,000. */
export function renderAlertEmbed(card: AlertCard, options: RenderOptions): APIEmbed {
  const { alert } = card;
  const m = alert.mention;
  const sla = slaStatus(alert, options);
  const prefix = sla === 'breached' ? 'PAST TARGET · ' : sla === 'at-risk' ? 'AT RISK · ' : '';
  const fields: APIEmbedField[] = [
    { name: 'Sentiment', value: `${alert.sentiment} (${alert.score})`, inline: true },
    { name: 'State', value: truncate(stateLine(alert), 200), inline: true },
  ];
  if (alert.firstResponseAt !== null) {
    fields.push({ name: 'First response', value: `<t:${Math.floor(alert.firstResponseAt / 1000)}:f>${alert.respondedBy ? ` by ${inert(alert.respondedBy, 60)}` : ''}`, inline: true });
  } else if (alert.firstResponseDueAt !== null) {
    fields.push({ name: 'First response due', value: stamp(alert.firstResponseDueAt), inline: true });
  }
  if (alert.resolutionDueAt !== null && alert.resolvedAt === null) fields.push({ name: 'Resolve by', value: stamp(alert.resolutionDueAt), inline: true });
  if (alert.reasons.length > 0) {
    fields.push({ name: 'Why', value: truncate(alert.reasons.map((r) => `• ${inert(r, 200)}`).join('\n'), LIMITS.fieldValue) });
  }
  if (card.grouped && card.grouped.length > 0) {
    const shown = card.grouped.slice(0, 10).map((g) => `#${g.id} @${inert(g.mention.authorHandle, 30)}: ${inert(g.mention.text, 70)}`);
    const more = card.grouped.length > shown.length ? `\n…and ${card.grouped.length - shown.length} more` : '';
    fields.push({ name: `+${card.grouped.length} similar alerts on this card`, value: truncate(`${shown.join('\n')}${more}`, LIMITS.fieldValue) });
  }
  const who = [m.authorName ? inert(m.authorName, 80) : undefined, `@${inert(m.authorHandle, 40)}`, m.authorFollowers != null ? `${m.authorFollowers.toLocaleString('en-US')} followers` : undefined]
    .filter(Boolean)
    .join(' · ');
  const reply = m.inReplyToText ? `> ↳ replying to: ${inert(m.inReplyToText, 300).replace(/\n/g, ' ')}\n\n` : '';
  const embed: APIEmbed = {
    title: truncate(`${prefix}${alert.urgency.toUpperCase()} · ${alert.categories.join(', ') || 'uncategorised'}`, LIMITS.title),
    description: truncate(`${reply}${inert(m.text, 2000)}`, 2400),
    color: sla === 'breached' ? BREACHED : sla === 'at-risk' ? AT_RISK : COLOURS[alert.urgency],
    author: { name: truncate(who, LIMITS.author) },
    fields,
    footer: { text: `alert #${alert.id} · ${m.platform} · SLA policy v${alert.policyVersion}` },
    timestamp: new Date(m.createdAt).toISOString(),
  };
  if (m.url && /^https:\/\//.test(m.url)) {
    embed.url = m.url;
    embed.author!.url = m.url;
  }
  return embed;
}

/** `t:<action>:<alertId>`: what a button or menu does, to which alert. Survives restarts. */
export function customId(action: string, alertId: number): string {
  return `t:${action}:${alertId}`;
}

export function parseCustomId(id: string): { action: string; alertId: number } | undefined {
  const m = /^t:([a-z-]{1,20}):(\d{1,15})$/.exec(id);
  return m ? { action: m[1] as string, alertId: Number(m[2]) } : undefined;
}

const BUTTON = 2;
const SELECT = 3;
const ROW = 1;
const STYLE = { primary: 1, secondary: 2, success: 3, danger: 4 } as const;

/** Buttons and menus of a card; what the alert's state does not allow is disabled. */
export function renderAlertComponents(card: AlertCard): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  const { alert } = card;
  const closed = isClosed(alert.state);
  const button = (action: string, label: string, style: number, disabled = false) => ({ type: BUTTON, custom_id: customId(action, alert.id), label, style, disabled }) as const;
  const rows: APIActionRowComponent<APIComponentInMessageActionRow>[] = [
    {
      type: ROW,
      components: closed
        ? [button('reopen', 'Reopen', STYLE.secondary)]
        : [
            button('claim', alert.state === 'claimed' ? `Claimed: ${truncate(alert.assignee ?? '', 60)}` : 'Claim', STYLE.primary, alert.state === 'claimed'),
            button('respond', 'Mark responded', STYLE.success, alert.state === 'responded'),
            button('wait', 'Waiting on customer', STYLE.secondary, alert.waitingSince !== null),
            button('resolve', 'Resolve', STYLE.secondary),
            button('escalate', 'Escalate', STYLE.danger),
          ],
    },
  ];
  const menu = (action: string, placeholder: string, options: APISelectMenuOption[]): APIActionRowComponent<APIComponentInMessageActionRow> => ({
    type: ROW,
    components: [{ type: SELECT, custom_id: customId(action, alert.id), placeholder, options }],
  });
  if (!closed) {
    rows.push(menu('snooze', 'Snooze reminders…', [
      { label: '1 hour', value: '1h' },
      { label: '4 hours', value: '4h' },
      { label: 'Next business morning', value: 'morning' },
    ]));
    rows.push(menu('dismiss', 'Dismiss…', [
      { label: 'Spam', value: 'spam' },
      { label: 'Not actionable', value: 'not-actionable' },
    ]));
  }
  if (card.replies.length > 0) {
    const options: APISelectMenuOption[] = card.replies.slice(0, LIMITS.selectOptions).map((r) => ({
      label: truncate(r.template, LIMITS.selectLabel),
      value: r.template.slice(0, 100),
      description: truncate(r.guard.ok ? r.text : `CHECK: ${r.guard.problems.join('; ')}`, LIMITS.selectDescription),
    }));
    rows.push(menu('reply', 'Suggested replies…', options));
  }
  return rows;
}
