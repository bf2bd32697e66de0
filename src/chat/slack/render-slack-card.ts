import type { types } from '@slack/bolt';
import type { AlertView } from '../../domain/alert.js';
import { isClosed } from '../../domain/alert.js';
import type { Urgency } from '../../domain/classification.js';
import { ratingLabel, awaitsCrisisCheck, shownCategories, shownLanguage, slaStatus, type AlertCard } from '../chat.js';
import { describeCorrection, relabelChoices } from '../correct-label.js';
import { count, fitBlocks, plain, SLACK_LIMITS, slackInert, slackLink, slackPlain, slackTime, truncate, truncateMrkdwn } from '../sanitize.js';

type Block = types.KnownBlock;
type Button = types.Button;
type Option = types.PlainTextOption;

/** What `chat.postMessage` and `chat.update` take for a card. */
export interface SlackCardBody {
  /** The notification and fallback text: no post text (it may hold health details), no mention. */
  text: string;
  blocks: Block[];
  metadata: { event_type: typeof CARD_EVENT; event_payload: { alert_id: number } };
}

/** The metadata event type our cards carry, with the alert id: how a card is found again after a crash. */
export const CARD_EVENT = 'triage_alert';

export interface SlackRenderOptions {
  now: number;
  /** Fraction of the first-response window after which the card shows "at risk". */
  atRiskFraction?: number;
  /** A lead user group to ping at the top (critical alerts, when first posted). */
  pingGroup?: string | undefined;
  /** The alert's signed page in the web console (PUBLIC_BASE_URL set). */
  consoleLink?: string | undefined;
}

/** `t:<action>:<alertId>`, as on Discord's buttons: what a button or menu does, to which alert. Survives restarts. */
export function actionId(action: string, alertId: number): string {
  return `t:${action}:${alertId}`;
}

export function parseActionId(id: unknown): { action: string; alertId: number } | undefined {
  const m = typeof id === 'string' ? /^t:([a-z-]{1,20}):(\d{1,15})$/.exec(id) : null;
  return m ? { action: m[1] as string, alertId: Number(m[2]) } : undefined;
}

/** Block Kit has no colours outside attachments: the urgency leads the header as a coloured dot. */
const DOTS: Record<Urgency, string> = { critical: '🔴', high: '🟠', normal: '🔵', low: '⚪', ignore: '⚫' };

/** Who did something, from the store (a chat username, `x:reply`): outside text like any other. */
const person = (who: string | null | undefined, max = 60) => slackInert(who ?? 'someone', max);

function stateLine(alert: AlertView): string {
  switch (alert.state) {
    case 'claimed':
      return `claimed by ${person(alert.assignee)}`;
    case 'responded':
      return alert.waitingSince !== null
        ? `waiting on the customer since ${slackTime(alert.waitingSince)} (resolution clock paused)`
        : `responded${alert.respondedBy ? ` by ${person(alert.respondedBy)}` : ''}`;
    case 'snoozed':
      return alert.snoozedUntil ? `snoozed until ${slackTime(alert.snoozedUntil)} (clock still running)` : 'snoozed';
    default:
      return slackInert(alert.state, 40);
  }
}

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plainText = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

/** The title line, as Discord's embed title: `PAST TARGET · CRITICAL · crisis, complaint`. */
export function cardTitle(alert: AlertView, options: SlackRenderOptions, card: AlertCard = { alert, replies: [] }): string {
  const sla = slaStatus(alert, options);
  const check = awaitsCrisisCheck(card) ? 'CHECK NOW · POSSIBLE CRISIS · ' : '';
  const prefix = `${check}${sla === 'breached' ? 'PAST TARGET · ' : sla === 'at-risk' ? 'AT RISK · ' : ''}`;
  const categories = shownCategories(card).slice(0, 20).join(', ');
  return `${prefix}${String(alert.urgency).toUpperCase()} · ${categories || 'uncategorised'}${shownLanguage(alert)}`;
}

/**
 * The blocks of an alert card: the same content as Discord's embed and the same actions. Outside
 * text passes the sanitiser piece by piece (escaped for mrkdwn, one line for plain text), and the
 * whole passes {@link fitBlocks}, so the card is within Block Kit's limits whatever the alert holds.
 * The alert id is in every action id, in the block ids, in the metadata and in the last line.
 */
export function renderSlackCard(card: AlertCard, options: SlackRenderOptions): SlackCardBody {
  const { alert } = card;
  const m = alert.mention;
  const id = alert.id;
  const blocks: Block[] = [];
  if (options.pingGroup) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<!subteam^${options.pingGroup}> critical alert #${id}` } });
  blocks.push({ type: 'header', text: plainText(slackPlain(`${DOTS[alert.urgency] ?? DOTS.normal} ${cardTitle(alert, options, card)}`, SLACK_LIMITS.headerText)) });

  const who = [m.authorName ? `*${slackInert(m.authorName, 80)}*` : undefined, slackInert(`@${m.authorHandle}`, 41), m.authorFollowers != null ? `${count(m.authorFollowers)} followers` : undefined, slackInert(m.platform, 40), card.account !== undefined ? `account: ${slackInert(card.account, 100)}` : undefined, ratingLabel(m)]
    .filter(Boolean)
    .join(' · ');
  const link = slackLink(m.url, 'open the post');
  blocks.push({ type: 'context', elements: [mrkdwn(truncateMrkdwn(`${who || 'unknown author'}${link !== 'open the post' ? ` · ${link}` : ''}`, 2000))] });

  const reply = m.inReplyToText ? `>↳ replying to: ${slackInert(m.inReplyToText, 300).replace(/\n/g, ' ')}\n\n` : '';
  blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(`${reply}${slackInert(m.text, 2400) || '(no text)'}`, SLACK_LIMITS.sectionText)) });

  const fields: types.MrkdwnElement[] = [
    mrkdwn(`*Sentiment*\n${slackInert(alert.sentiment, 20)} (${slackInert(alert.score, 20)})`),
    mrkdwn(`*State*\n${truncateMrkdwn(stateLine(alert), 300)}`),
  ];
  if (alert.firstResponseAt !== null) {
    fields.push(mrkdwn(`*First response*\n${slackTime(alert.firstResponseAt)}${alert.respondedBy ? ` by ${person(alert.respondedBy)}` : ''}`));
  } else if (alert.firstResponseDueAt !== null) {
    fields.push(mrkdwn(`*First response due*\n${slackTime(alert.firstResponseDueAt)}`));
  }
  if (alert.resolutionDueAt !== null && alert.resolvedAt === null) fields.push(mrkdwn(`*Resolve by*\n${slackTime(alert.resolutionDueAt)}`));
  blocks.push({ type: 'section', fields });
  if (card.sentReply) {
    const link = card.sentReply.url ? ` · ${slackLink(card.sentReply.url, 'open the reply')}` : '';
    blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(`*Replied by ${person(card.sentReply.by)}*${link}\n${slackInert(card.sentReply.text, 900)}`, 2000)) });
  }

  const reasons = Array.isArray(alert.reasons) ? alert.reasons : [];
  if (reasons.length > 0) {
    blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(`*Why*\n${reasons.slice(0, 40).map((r) => `• ${slackInert(r, 200)}`).join('\n')}`, 2000)) });
  }
  if (card.corrections && card.corrections.length > 0) {
    const lines = card.corrections.slice(-10).map((c) => `• ${slackInert(describeCorrection(c), 200)} ${slackTime(c.at)}`);
    blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(`*Label corrected*\n${lines.join('\n')}`, 2000)) });
  }
  if (card.grouped && card.grouped.length > 0) {
    const shown = card.grouped.slice(0, 10).map((g) => `#${g.id} ${slackInert(`@${g.mention.authorHandle}`, 31)}: ${slackInert(g.mention.text, 70).replace(/\n/g, ' ')}`);
    const more = card.grouped.length > shown.length ? `\n…and ${card.grouped.length - shown.length} more` : '';
    blocks.push({ type: 'section', text: mrkdwn(truncateMrkdwn(`*+${card.grouped.length} similar alerts on this card*\n${shown.join('\n')}`, 2800) + more) });
  }

  blocks.push(...renderActions(card));
  // The alert id first: how a card is recognised by a person, and by the lookup after a crash.
  const consoleLink = options.consoleLink ? slackLink(options.consoleLink, 'Open in console') : '';
  blocks.push({ type: 'context', elements: [mrkdwn(`alert #${id} · ${slackInert(m.platform, 100)} · SLA policy v${slackInert(alert.policyVersion, 20)}${consoleLink.startsWith('<') ? ` · ${consoleLink}` : ''}`)] });

  const text = truncate(`${options.pingGroup ? 'Critical alert' : 'Alert'} #${id}: ${plain(cardTitle(alert, options, card), 300)}`, SLACK_LIMITS.messageText);
  return { text, blocks: fitBlocks(blocks), metadata: { event_type: CARD_EVENT, event_payload: { alert_id: id } } };
}

/**
 * The card's buttons and menus. Slack buttons cannot be disabled: what the alert's state does not
 * allow is left out (Discord greys it), except Claim, which names who has it and, clicked, says so.
 * Snooze opens a modal; dismiss and the suggested replies are menus.
 */
function renderActions(card: AlertCard): Block[] {
  const { alert } = card;
  const closed = isClosed(alert.state);
  const button = (action: string, label: string, style?: 'primary' | 'danger'): Button => ({
    type: 'button',
    action_id: actionId(action, alert.id),
    text: plainText(slackPlain(label, SLACK_LIMITS.buttonText)),
    value: String(alert.id),
    ...(style && { style }),
  });
  const option = (text: string, value: string, description?: string): Option => ({
    text: plainText(slackPlain(text, SLACK_LIMITS.optionText) || '–'),
    value,
    ...(description ? { description: plainText(slackPlain(description, SLACK_LIMITS.optionDescription) || '–') } : {}),
  });
  const buttons: Button[] = closed
    ? [button('reopen', 'Reopen')]
    : [
        button('claim', alert.state === 'claimed' ? `Claimed: ${plain(alert.assignee ?? 'someone', 60)}` : 'Claim', alert.state === 'claimed' ? undefined : 'primary'),
        ...(alert.state === 'responded' ? [] : [button('respond', 'Mark responded')]),
        ...(alert.waitingSince !== null ? [] : [button('wait', 'Waiting on customer')]),
        button('resolve', 'Resolve'),
        button('escalate', 'Escalate', 'danger'),
      ];
  const blocks: Block[] = [{ type: 'actions', block_id: `t:buttons:${alert.id}`, elements: buttons }];
  const menus: Array<Button | types.StaticSelect> = [];
  if (!closed && awaitsCrisisCheck(card)) {
    // Unconfirmed: no snoozing, and no 988 reply until a person says it is a crisis.
    blocks.push({ type: 'actions', block_id: `t:crisis:${alert.id}`, elements: [button('crisis-yes', 'Confirm crisis', 'danger'), button('crisis-no', 'Not a crisis')] });
  }
  if (!closed) {
    menus.push(button('compose', 'Reply…'));
    if (!awaitsCrisisCheck(card)) menus.push(button('snooze', 'Snooze…'));
    menus.push({
      type: 'static_select',
      action_id: actionId('dismiss', alert.id),
      placeholder: plainText('Dismiss…'),
      options: [option('Spam', 'spam'), option('Not actionable', 'not-actionable')],
    });
  }
  if (card.replies.length > 0) {
    menus.push({
      type: 'static_select',
      action_id: actionId('reply', alert.id),
      placeholder: plainText('Suggested replies…'),
      options: card.replies.slice(0, SLACK_LIMITS.selectOptions).map((r) => option(String(r.template), String(r.template).slice(0, SLACK_LIMITS.optionValue), r.guard.ok ? r.text : `CHECK: ${r.guard.problems.join('; ')}`)),
    });
  }
  menus.push({
    type: 'static_select',
    action_id: actionId('relabel', alert.id),
    placeholder: plainText('Wrong label?…'),
    options: relabelChoices(card).map((c) => option(c.label, c.value)),
  });
  blocks.push({ type: 'actions', block_id: `t:menus:${alert.id}`, elements: menus });
  return blocks;
}

/** The alert id a posted message is a card for: from its metadata, else from its action ids. */
export function slackCardAlertId(message: { metadata?: unknown; blocks?: unknown }): number | undefined {
  const metadata = message.metadata as { event_type?: unknown; event_payload?: { alert_id?: unknown } } | undefined;
  const fromMetadata = metadata?.event_type === CARD_EVENT ? metadata.event_payload?.alert_id : undefined;
  if (typeof fromMetadata === 'number' && Number.isSafeInteger(fromMetadata)) return fromMetadata;
  for (const block of Array.isArray(message.blocks) ? (message.blocks as Array<{ elements?: unknown }>) : []) {
    for (const element of Array.isArray(block?.elements) ? (block.elements as Array<{ action_id?: unknown }>) : []) {
      const parsed = parseActionId(element?.action_id);
      if (parsed) return parsed.alertId;
    }
  }
  return undefined;
}
