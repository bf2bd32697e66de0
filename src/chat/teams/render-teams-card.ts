import type { DigestData } from '../../digest/collect-digest.js';
import { cadenceNotes, digestHeadlines, minutes, pct } from '../../digest/render-digest.js';
import type { AlertView } from '../../domain/alert.js';
import type { PendingNotification } from '../../store/store-port.js';
import { describeNotification } from '../../triage/describe-notification.js';
import { signedAlertLink, type CardLinks, type LinkAction } from '../../web/card-links.js';
import { awaitsCrisisCheck, ratingLabel, shownCategories, shownLanguage, slaStatus, type AlertCard } from '../chat.js';
import { describeCorrection } from '../correct-label.js';
import { isEscalationNotice } from './teams-escalations.js';
import { cleanText, count, isoTime, plain, safeUrl, truncate } from '../sanitize.js';

/**
 * Adaptive Cards as a Teams Workflows webhook takes them. Teams renders Markdown in a TextBlock
 * (and no HTML) but none in a RichTextBlock's TextRun, so every piece of outside text (the post,
 * names, reasons) goes in a TextRun and shows as written; TextBlocks hold only our own words, ISO
 * times (drawn in the reader's zone with DATE/TIME) and numbers.
 */
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** 1.4: what Teams renders on desktop, web and mobile (RichTextBlock since 1.2, Action.OpenUrl since 1.0). */
export const ADAPTIVE_CARD_VERSION = '1.4';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/** Teams refuses a message over about 28 KB; a card stays well inside. */
export const TEAMS_MAX_BYTES = 27_000;

type Element = Record<string, unknown>;

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: Element[];
  actions?: Element[];
  msteams?: { width: 'Full' };
}

/** The envelope the "when a Teams webhook request is received" trigger expects. */
export interface WorkflowMessage {
  type: 'message';
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }>;
}

export function envelope(card: AdaptiveCard): WorkflowMessage {
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}

function adaptiveCard(body: Element[], actions: Element[] = []): AdaptiveCard {
  return { $schema: ADAPTIVE_CARD_SCHEMA, type: 'AdaptiveCard', version: ADAPTIVE_CARD_VERSION, body, ...(actions.length > 0 && { actions }), msteams: { width: 'Full' } };
}

/** Outside text, shown as written: a TextRun (no Markdown there), cut, invisible characters dropped. */
function runs(text: unknown, max: number, style: { weight?: 'Bolder'; isSubtle?: boolean; italic?: boolean } = {}): Element {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: truncate(cleanText(text), max) || '–', ...style }] };
}

/** Our own words, which may use Teams' DATE()/TIME() functions. Never passed outside text. */
const own = (text: string, extra: Element = {}): Element => ({ type: 'TextBlock', text, wrap: true, ...extra });

/** `{{DATE(…, SHORT)}} {{TIME(…)}}`: Teams draws it in each reader's own time zone. */
function when(ms: unknown): string {
  const iso = isoTime(ms)?.replace(/\.\d{3}Z$/, 'Z');
  return iso ? `{{DATE(${iso}, SHORT)}} {{TIME(${iso})}}` : 'unknown time';
}

/** The title line, as Discord's embed title: `PAST TARGET · CRITICAL · crisis, complaint`. */
export function teamsCardTitle(card: AlertCard, now: number): string {
  const { alert } = card;
  const sla = slaStatus(alert, { now });
  const check = awaitsCrisisCheck(card) ? 'CHECK NOW · POSSIBLE CRISIS · ' : '';
  const prefix = `${check}${sla === 'breached' ? 'PAST TARGET · ' : sla === 'at-risk' ? 'AT RISK · ' : ''}`;
  return `${prefix}${plain(String(alert.urgency).toUpperCase(), 20)} · ${plain(shownCategories(card).slice(0, 20).join(', '), 200) || 'uncategorised'}${shownLanguage(alert)}`;
}

function stateLine(alert: AlertView): string {
  const who = (name: string | null | undefined) => plain(name ?? 'someone', 60);
  switch (alert.state) {
    case 'claimed':
      return `claimed by ${who(alert.assignee)}`;
    case 'responded':
      return alert.waitingSince !== null ? 'waiting on the customer (resolution clock paused)' : `responded${alert.respondedBy ? ` by ${who(alert.respondedBy)}` : ''}`;
    case 'snoozed':
      return 'snoozed (clock still running)';
    default:
      return plain(alert.state, 40);
  }
}

export interface TeamsRenderOptions {
  now: number;
  links: CardLinks;
}

/**
 * An alert as an Adaptive Card: the Discord card's content, and buttons that open the console
 * (Open, Claim, Resolve, Reply), each with a signed, expiring link. A posted card cannot be edited
 * through a webhook: it says so, and the console shows the live state.
 */
export function renderTeamsAlertCard(card: AlertCard, options: TeamsRenderOptions): WorkflowMessage {
  const { alert } = card;
  const m = alert.mention;
  const sla = slaStatus(alert, { now: options.now });
  const body: Element[] = [
    runs(teamsCardTitle(card, options.now), 300, { weight: 'Bolder' }),
    runs([m.authorName ? plain(m.authorName, 80) : undefined, plain(`@${m.authorHandle}`, 41), m.authorFollowers != null ? `${count(m.authorFollowers)} followers` : undefined, plain(m.platform, 40)].filter(Boolean).join(' · '), 300, { isSubtle: true }),
  ];
  const rating = ratingLabel(m);
  const heard = [card.account !== undefined ? `Account: ${plain(card.account, 100)}` : undefined, rating !== undefined ? `Rating: ${rating}` : undefined].filter(Boolean).join(' · ');
  if (heard) body.push(runs(heard, 300, { isSubtle: true }));
  if (m.inReplyToText) body.push(runs(`↳ replying to: ${cleanText(m.inReplyToText).replace(/\s+/g, ' ')}`, 300, { isSubtle: true, italic: true }));
  body.push(runs(m.text || '(no text)', 2000));
  body.push(own(`**Sentiment:** ${plain(alert.sentiment, 20)} (${plain(alert.score, 20)})`, { spacing: 'Medium' }), runs(`State: ${stateLine(alert)}`, 300));
  if (alert.firstResponseAt !== null) body.push(own(`**First response:** ${when(alert.firstResponseAt)}`));
  else if (alert.firstResponseDueAt !== null) body.push(own(`**First response due:** ${when(alert.firstResponseDueAt)}${sla === 'breached' ? ' (past target)' : ''}`, sla === 'breached' ? { color: 'Attention' } : {}));
  if (alert.resolutionDueAt !== null && alert.resolvedAt === null) body.push(own(`**Resolve by:** ${when(alert.resolutionDueAt)}`));
  const reasons = Array.isArray(alert.reasons) ? alert.reasons : [];
  if (reasons.length > 0) body.push(own('**Why**'), runs(reasons.slice(0, 20).map((r) => `• ${plain(r, 200)}`).join('\n'), 1500));
  if (card.corrections && card.corrections.length > 0) body.push(own('**Label corrected**'), runs(card.corrections.slice(-10).map((c) => `• ${plain(describeCorrection(c), 200)}`).join('\n'), 1000));
  if (card.grouped && card.grouped.length > 0) {
    const shown = card.grouped.slice(0, 10).map((g) => `#${g.id} @${plain(g.mention.authorHandle, 30)}: ${plain(g.mention.text, 70)}`);
    const more = card.grouped.length > shown.length ? `\n…and ${card.grouped.length - shown.length} more` : '';
    body.push(own(`**+${card.grouped.length} similar alerts on this card**`), runs(`${shown.join('\n')}${more}`, 1500));
  }
  body.push(own(`alert #${alert.id} · live status in the console`, { isSubtle: true, size: 'Small', spacing: 'Medium' }));
  const link = (action: LinkAction) => signedAlertLink(options.links, alert.id, action, options.now);
  const post = safeUrl(m.url);
  const actions: Element[] = [
    { type: 'Action.OpenUrl', title: 'Open', url: link('open') },
    { type: 'Action.OpenUrl', title: 'Claim', url: link('claim'), style: 'positive' },
    { type: 'Action.OpenUrl', title: 'Resolve', url: link('resolve') },
    { type: 'Action.OpenUrl', title: 'Reply', url: link('reply') },
  ];
  if (post) actions.push({ type: 'Action.OpenUrl', title: 'Post', url: post });
  // The urgency as the card's colour, as on Discord: red past target or critical, amber at risk or high.
  const style = sla === 'breached' || alert.urgency === 'critical' ? 'attention' : sla === 'at-risk' || alert.urgency === 'high' ? 'warning' : 'emphasis';
  const container: Element = { type: 'Container', style, bleed: true, items: body };
  return envelope(adaptiveCard([container], actions));
}

/** A reminder, breach or escalation as a small card with a link to the alert. */
export function renderTeamsNotificationCard(n: PendingNotification, options: TeamsRenderOptions & { escalatedBy?: string | undefined }): WorkflowMessage {
  if (isEscalationNotice(n.kind)) return renderTeamsEscalationCard(n, options);
  const { text, audience } = describeNotification(n);
  return envelope(adaptiveCard(
    [{ type: 'Container', style: audience === 'lead' ? 'attention' : 'default', items: [runs(text, 1000, { weight: 'Bolder' }), own(`alert #${n.alert.id} · live status in the console`, { isSubtle: true, size: 'Small' })] }],
    [{ type: 'Action.OpenUrl', title: 'Open', url: signedAlertLink(options.links, n.alert.id, 'open', options.now) }, { type: 'Action.OpenUrl', title: 'Claim', url: signedAlertLink(options.links, n.alert.id, 'claim', options.now) }],
  ));
}

/** An escalation made on a card or in the console (see `announcingOnTeams`), announced where the leads read. */
function renderTeamsEscalationCard(n: PendingNotification, options: TeamsRenderOptions & { escalatedBy?: string | undefined }): WorkflowMessage {
  const a = n.alert;
  const by = options.escalatedBy === undefined ? '' : ` by ${plain(options.escalatedBy, 60)}`;
  const who = a.assignee ? `claimed by ${plain(a.assignee, 60)}` : 'unclaimed';
  return envelope(adaptiveCard(
    [{ type: 'Container', style: 'attention', items: [runs(`Escalation: alert #${a.id} (${plain(a.urgency, 20)}, ${who}) escalated${by}.`, 400, { weight: 'Bolder' }), runs(plain(a.mention.text, 300), 300, { isSubtle: true }), own(`alert #${a.id} · live status in the console`, { isSubtle: true, size: 'Small' })] }],
    [{ type: 'Action.OpenUrl', title: 'Open', url: signedAlertLink(options.links, a.id, 'open', options.now) }],
  ));
}

/** The weekly digest: the headlines and figures; the chart is on the console's digest page (a card cannot carry it within 28 KB). */
export function renderTeamsDigestCard(data: DigestData, options: { baseUrl: string }): WorkflowMessage {
  const lines = (items: string[]) => runs(items.join('\n') || 'None', 1500);
  return envelope(adaptiveCard(
    [
      own(`Weekly digest ${plain(data.week, 20)}`, { weight: 'Bolder', size: 'Medium' }),
      lines(digestHeadlines(data).map((h) => `• ${plain(h, 300)}`)),
      own('**Top complaint themes**'),
      lines(data.themes.slice(0, 5).map((t) => `${plain(t.name, 100)}: ${t.count}`)),
      own('**First response within target**'),
      lines(data.sla.map((g) => `${plain(g.urgency, 20)}: ${pct(g.withinTarget, g.withTarget)} (median ${minutes(g.medianMinutes)})`)),
      own('**Praise to pass on**'),
      lines(data.praise.map((p) => `“${plain(p, 300)}”`)),
      own('**Our posting on X**'),
      runs(cadenceNotes(data).join(' '), 1000),
      own(`${plain(data.days[0]?.date ?? '', 12)} to ${plain(data.days[6]?.date ?? '', 12)} · ${plain(data.timeZone, 60)}`, { isSubtle: true, size: 'Small' }),
    ],
    [{ type: 'Action.OpenUrl', title: 'Chart and details', url: `${options.baseUrl}/console/digest?week=${encodeURIComponent(data.week)}` }],
  ));
}

/** The card as sent, within Teams' size limit: the longest TextRuns are cut until it fits. */
export function fitTeamsMessage(message: WorkflowMessage): string {
  let json = JSON.stringify(message);
  for (let budget = 1500; Buffer.byteLength(json) > TEAMS_MAX_BYTES && budget >= 50; budget = Math.floor(budget / 2)) {
    json = JSON.stringify(message, (key, value: unknown) => (key === 'text' && typeof value === 'string' && value.length > budget ? truncate(value, budget) : value));
  }
  return json;
}
