import type { APIActionRowComponent, APIComponentInMessageActionRow, APIEmbed, APIEmbedField, APISelectMenuOption } from 'discord.js';
import type { AlertView } from '../../domain/alert.js';
import { isClosed } from '../../domain/alert.js';
import type { Urgency } from '../../domain/classification.js';
import { ratingLabel, awaitsCrisisCheck, shownCategories, shownLanguage, slaStatus, type AlertCard } from '../chat.js';
import { describeCorrection, relabelChoices } from '../correct-label.js';
import { count, discordTime, DISCORD_LIMITS, fitComponents, fitEmbed, inert, isoTime, plain, safeUrl, truncate } from '../sanitize.js';
import { replyMenuOptions } from './render-discord-reply.js';

export { inert, truncate } from '../sanitize.js';

/** Discord's limits, as the card renderer and its tests know them (see {@link DISCORD_LIMITS}). */
export const LIMITS = DISCORD_LIMITS;

/** The colour of an urgency; past its first-response target a card turns dark red, at risk amber. */
const COLOURS: Record<Urgency, number> = { critical: 0xd32f2f, high: 0xf57c00, normal: 0x1976d2, low: 0x9e9e9e, ignore: 0x616161 };
const BREACHED = 0x7f0000;
const AT_RISK = 0xffb300;

export interface RenderOptions {
  now: number;
  /** Fraction of the first-response window after which the card shows "at risk". */
  atRiskFraction?: number;
  /** The alert's signed page in the web console (PUBLIC_BASE_URL set). */
  consoleLink?: string | undefined;
}

function stamp(ms: number): string {
  return `${discordTime(ms, 'R')} (${discordTime(ms, 'f')})`;
}

/** Who did something, from the store (a chat username, `x:reply`): outside text like any other. */
const person = (who: string | null | undefined, max = 60) => inert(who ?? 'someone', max);

function stateLine(alert: AlertView): string {
  switch (alert.state) {
    case 'claimed':
      return `claimed by ${person(alert.assignee)}`;
    case 'responded':
      return alert.waitingSince !== null
        ? `waiting on the customer since ${discordTime(alert.waitingSince, 'R')} (resolution clock paused)`
        : `responded${alert.respondedBy ? ` by ${person(alert.respondedBy)}` : ''}`;
    case 'snoozed':
      return alert.snoozedUntil ? `snoozed until ${discordTime(alert.snoozedUntil, 'f')} (clock still running)` : 'snoozed';
    default:
      return inert(alert.state, 40);
  }
}

/** The alert id a card is for, read back from a posted message: its buttons carry it (`t:claim:12`), and so does the footer. */
export function cardAlertId(message: { embeds?: unknown; components?: unknown }): number | undefined {
  const rows = Array.isArray(message.components) ? (message.components as Array<{ components?: unknown }>) : [];
  for (const row of rows) {
    for (const component of Array.isArray(row?.components) ? (row.components as Array<{ custom_id?: unknown }>) : []) {
      const parsed = typeof component?.custom_id === 'string' ? parseCustomId(component.custom_id) : undefined;
      if (parsed) return parsed.alertId;
    }
  }
  const footer = Array.isArray(message.embeds) ? (message.embeds[0] as { footer?: { text?: unknown } } | undefined)?.footer?.text : undefined;
  const match = typeof footer === 'string' ? /^alert #(\d{1,15}) · /.exec(footer) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * The embed of an alert card. Outside text passes the sanitiser piece by piece, and the whole
 * embed passes {@link fitEmbed}, so it is within every Discord limit whatever the alert holds.
 */
export function renderAlertEmbed(card: AlertCard, options: RenderOptions): APIEmbed {
  const { alert } = card;
  const m = alert.mention;
  const sla = slaStatus(alert, options);
  const check = awaitsCrisisCheck(card) ? 'CHECK NOW · POSSIBLE CRISIS · ' : '';
  const prefix = `${check}${sla === 'breached' ? 'PAST TARGET · ' : sla === 'at-risk' ? 'AT RISK · ' : ''}`;
  const fields: APIEmbedField[] = [
    { name: 'Sentiment', value: `${inert(alert.sentiment, 20)} (${inert(alert.score, 20)})`, inline: true },
    { name: 'State', value: truncate(stateLine(alert), 200), inline: true },
  ];
  if (card.account !== undefined) fields.push({ name: 'Account', value: inert(card.account, 100) || '–', inline: true });
  const rating = ratingLabel(m);
  if (rating !== undefined) fields.push({ name: 'Rating', value: rating, inline: true });
  if (alert.firstResponseAt !== null) {
    fields.push({ name: 'First response', value: `${discordTime(alert.firstResponseAt, 'f')}${alert.respondedBy ? ` by ${person(alert.respondedBy)}` : ''}`, inline: true });
  } else if (alert.firstResponseDueAt !== null) {
    fields.push({ name: 'First response due', value: stamp(alert.firstResponseDueAt), inline: true });
  }
  if (alert.resolutionDueAt !== null && alert.resolvedAt === null) fields.push({ name: 'Resolve by', value: stamp(alert.resolutionDueAt), inline: true });
  if (card.sentReply) {
    const where = safeUrl(card.sentReply.url);
    fields.push({ name: `Replied by ${person(card.sentReply.by)}`, value: truncate(`${inert(card.sentReply.text, 900)}${where ? `\n[Open the reply](${where})` : ''}`, LIMITS.fieldValue) });
  }
  const reasons = Array.isArray(alert.reasons) ? alert.reasons : [];
  if (reasons.length > 0) {
    // Enough of them to fill the field, not every one of a pathological list.
    fields.push({ name: 'Why', value: truncate(reasons.slice(0, 40).map((r) => `• ${inert(r, 200)}`).join('\n'), LIMITS.fieldValue) });
  }
  if (card.corrections && card.corrections.length > 0) {
    fields.push({ name: 'Label corrected', value: truncate(card.corrections.slice(-10).map((c) => `• ${inert(describeCorrection(c), 200)} ${discordTime(c.at, 'R')}`).join('\n'), LIMITS.fieldValue) });
  }
  if (card.grouped && card.grouped.length > 0) {
    const shown = card.grouped.slice(0, 10).map((g) => `#${g.id} ${inert(`@${g.mention.authorHandle}`, 31)}: ${inert(g.mention.text, 70)}`);
    const more = card.grouped.length > shown.length ? `\n…and ${card.grouped.length - shown.length} more` : '';
    fields.push({ name: `+${card.grouped.length} similar alerts on this card`, value: truncate(`${shown.join('\n')}${more}`, LIMITS.fieldValue) });
  }
  const consoleLink = safeUrl(options.consoleLink);
  if (consoleLink) fields.push({ name: 'Console', value: `[Open in console](${consoleLink})`, inline: true });
  const who = [m.authorName ? plain(m.authorName, 80) : undefined, plain(`@${m.authorHandle}`, 41), m.authorFollowers != null ? `${count(m.authorFollowers)} followers` : undefined]
    .filter(Boolean)
    .join(' · ');
  const reply = m.inReplyToText ? `> ↳ replying to: ${inert(m.inReplyToText, 300).replace(/\n/g, ' ')}\n\n` : '';
  const categories = shownCategories(card).slice(0, 20).join(', ');
  const url = safeUrl(m.url);
  const embed: APIEmbed = {
    title: `${prefix}${inert(String(alert.urgency).toUpperCase(), 20)} · ${inert(categories, 200) || 'uncategorised'}${shownLanguage(alert)}`,
    description: truncate(`${reply}${inert(m.text, 2000)}`, 2400),
    color: sla === 'breached' ? BREACHED : sla === 'at-risk' ? AT_RISK : COLOURS[alert.urgency] ?? COLOURS.normal,
    author: { name: who || 'unknown author', ...(url && { url }) },
    fields,
    // The alert id first: how a card is recognised in the channel after a crash (see cardAlertId).
    footer: { text: `alert #${alert.id} · ${plain(m.platform, 100)} · SLA policy v${plain(alert.policyVersion, 20)}` },
    ...(url && { url }),
  };
  const timestamp = isoTime(m.createdAt);
  if (timestamp) embed.timestamp = timestamp;
  return fitEmbed(embed);
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
            button('claim', alert.state === 'claimed' ? `Claimed: ${plain(alert.assignee ?? 'someone', 60)}` : 'Claim', STYLE.primary, alert.state === 'claimed'),
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
  if (!closed && awaitsCrisisCheck(card)) {
    // Unconfirmed: no snoozing, and no 988 reply until a person says it is a crisis.
    rows.push({ type: ROW, components: [button('crisis-yes', 'Confirm crisis', STYLE.danger), button('crisis-no', 'Not a crisis', STYLE.secondary)] });
  } else if (!closed) {
    rows.push(menu('snooze', 'Snooze reminders…', [
      { label: '1 hour', value: '1h' },
      { label: '4 hours', value: '4h' },
      { label: 'Next business morning', value: 'morning' },
    ]));
  }
  if (!closed) {
    rows.push(menu('dismiss', 'Dismiss…', [
      { label: 'Spam', value: 'spam' },
      { label: 'Not actionable', value: 'not-actionable' },
    ]));
  }
  // The reply editor lives in this menu (the card has no free row): "Write a reply…", or a suggestion to start from.
  const suggestions: APISelectMenuOption[] = card.replies.slice(0, LIMITS.selectOptions - 1).map((r) => ({
    label: plain(r.template, LIMITS.selectLabel),
    value: String(r.template).slice(0, LIMITS.selectValue),
    description: plain(r.guard.ok ? r.text : `CHECK: ${r.guard.problems.join('; ')}`, LIMITS.selectDescription),
  }));
  const replyOptions = replyMenuOptions(!closed, suggestions);
  if (replyOptions.length > 0) rows.push(menu('reply', closed ? 'Suggested replies…' : 'Reply… (write one, or start from a suggestion)', replyOptions));
  rows.push(menu('relabel', 'Wrong label?…', relabelChoices(card)));
  return fitComponents(rows);
}
