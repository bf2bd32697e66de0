import type { types } from '@slack/bolt';
import type { DigestData } from '../../digest/collect-digest.js';
import { cadenceNotes, digestHeadlines, minutes, pct } from '../../digest/render-digest.js';
import type { AlertView } from '../../domain/alert.js';
import type { PendingNotification } from '../../store/store-port.js';
import { describeNotification } from '../../triage/describe-notification.js';
import type { ReportSection } from '../handler-types.js';
import { matchNotificationWith } from '../notification-matcher.js';
import { fitBlocks, SLACK_LIMITS, slackInert, slackPlain, slackTime, truncate, truncateMrkdwn } from '../sanitize.js';

type Block = types.KnownBlock;

const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plainText = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

/** Room left in a message for a ping before the words. */
const NOTIFICATION_MAX = 3000;

/** The words of an SLA reminder or escalation as Slack shows them: the shared text, made inert. */
export function renderSlackNotificationText(n: PendingNotification): string {
  return slackInert(describeNotification(n).text, NOTIFICATION_MAX);
}

/** Recognises a notification we sent, from the text of a message read back after a crash. */
export function slackNotificationMatcher(n: PendingNotification): (text: string) => boolean {
  return matchNotificationWith(n, (text) => slackInert(text, NOTIFICATION_MAX));
}

/** One line per alert for lists: id, urgency, author, due or state, assignee, a snippet of the text. */
export function slackAlertLine(alert: AlertView, now: number): string {
  const due = alert.firstResponseAt === null && alert.firstResponseDueAt !== null
    ? `${alert.firstResponseDueAt < now ? 'overdue since' : 'due'} ${slackTime(alert.firstResponseDueAt)}`
    : slackInert(alert.state, 20);
  const who = alert.assignee ? ` · ${slackInert(alert.assignee, 40)}` : ' · unclaimed';
  return `\`#${alert.id}\` *${slackInert(alert.urgency, 20)}* · ${slackInert(`@${alert.mention.authorHandle}`, 31)} · ${due}${who} — ${slackInert(alert.mention.text.replace(/\s+/g, ' '), 80)}`;
}

/** Lines joined within a section's 3,000 characters, saying how many were left out. */
function joinWithin(lines: readonly string[], max = SLACK_LIMITS.sectionText - 100): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const next = `${out}${out ? '\n' : ''}${lines[i]}`;
    if (next.length > max) return `${out}\n…and ${lines.length - i} more`;
    out = next;
  }
  return out;
}

const TONES: Record<NonNullable<ReportSection['tone']>, string> = { danger: '🟥', warning: '🟧' };

/**
 * A command's report in Block Kit: per section a header, the alerts one line each (in as many
 * sections as they need), or the lines, or each field as a short section, then the footer.
 */
export function renderSlackReport(sections: readonly ReportSection[], now: number): { text: string; blocks: Block[] } {
  const blocks: Block[] = [];
  for (const section of sections.slice(0, 10)) {
    blocks.push({ type: 'header', text: plainText(slackPlain(`${section.tone ? `${TONES[section.tone]} ` : ''}${section.title}`, SLACK_LIMITS.headerText)) });
    if (section.alerts?.length) {
      blocks.push({ type: 'section', text: mrkdwn(joinWithin(section.alerts.map((a) => truncateMrkdwn(slackAlertLine(a, now), 400)))) });
    } else if (section.lines?.length) {
      blocks.push({ type: 'section', text: mrkdwn(joinWithin(section.lines.map((l) => slackInert(l, 300)))) });
    } else if (section.fields?.length) {
      for (const field of section.fields.slice(0, 20)) blocks.push({ type: 'section', text: mrkdwn(`*${slackInert(field.name, 200)}*\n${slackInert(field.value, 2000)}`) });
    } else if (section.empty) {
      blocks.push({ type: 'section', text: mrkdwn(slackInert(section.empty, 300)) });
    }
    if (section.footer) blocks.push({ type: 'context', elements: [mrkdwn(slackInert(section.footer, 2000))] });
  }
  const text = truncate(sections.map((s) => s.title).join(' · ') || 'Triage', SLACK_LIMITS.messageText);
  return { text: slackInert(text, SLACK_LIMITS.messageText), blocks: fitBlocks(blocks) };
}

/** Plain text for the actor only (a refusal, an error), as blocks-free mrkdwn. */
export function slackNote(text: string): string {
  return slackInert(text, SLACK_LIMITS.messageText);
}

/**
 * A private answer (the suggested reply): the title, the text to copy in a code block (so it is
 * copied as written and nothing in it renders), the note under it.
 */
export function renderPrivateBlocks(outcome: { title: string; quote?: string; note?: string }): { text: string; blocks: Block[] } {
  const blocks: Block[] = [{ type: 'section', text: mrkdwn(`*${slackInert(outcome.title, 200)}*`) }];
  if (outcome.quote !== undefined) blocks.push({ type: 'section', text: mrkdwn(`\`\`\`\n${slackInert(outcome.quote.replace(/`/g, "'"), 2800)}\n\`\`\``) });
  if (outcome.note !== undefined) blocks.push({ type: 'context', elements: [mrkdwn(slackInert(outcome.note, 400))] });
  return { text: slackInert(outcome.title, 200), blocks: fitBlocks(blocks) };
}

/** The modal that shows a suggested reply (opened from the card's menu). */
export function renderReplyModal(outcome: { title: string; quote?: string; note?: string }): types.ModalView {
  return {
    type: 'modal',
    callback_id: 'triage_reply',
    title: plainText('Suggested reply'),
    close: plainText('Done'),
    blocks: fitBlocks(renderPrivateBlocks(outcome).blocks, SLACK_LIMITS.viewBlocks),
  };
}

/** Where a modal's submission applies: the alert, and the card to redraw. */
export interface ModalTarget {
  alertId: number;
  channel?: string | undefined;
  ts?: string | undefined;
}

export const SNOOZE_CALLBACK = 'triage_snooze';
export const SNOOZE_BLOCK = 'snooze';
export const SNOOZE_INPUT = 'until';

/** The snooze modal: how long, as the card's menu on Discord offers it. */
export function renderSnoozeModal(target: ModalTarget): types.ModalView {
  const option = (text: string, value: string): types.PlainTextOption => ({ text: plainText(text), value });
  return {
    type: 'modal',
    callback_id: SNOOZE_CALLBACK,
    private_metadata: JSON.stringify(target).slice(0, SLACK_LIMITS.privateMetadata),
    title: plainText(slackPlain(`Snooze alert #${target.alertId}`, SLACK_LIMITS.modalTitle)),
    submit: plainText('Snooze'),
    close: plainText('Cancel'),
    blocks: [
      { type: 'section', text: mrkdwn('Reminders stop until then; the SLA clock keeps running.') },
      {
        type: 'input',
        block_id: SNOOZE_BLOCK,
        label: plainText('Snooze reminders for'),
        element: {
          type: 'radio_buttons',
          action_id: SNOOZE_INPUT,
          initial_option: option('1 hour', '1h'),
          options: [option('1 hour', '1h'), option('4 hours', '4h'), option('Until the next business morning', 'morning')],
        },
      },
    ],
  };
}

/** A modal's target, read back from its private metadata; undefined when it is not one of ours. */
export function parseModalTarget(value: unknown): ModalTarget | undefined {
  try {
    const parsed = JSON.parse(String(value)) as Partial<ModalTarget>;
    if (!Number.isSafeInteger(parsed.alertId) || (parsed.alertId as number) < 1) return undefined;
    return {
      alertId: parsed.alertId as number,
      ...(typeof parsed.channel === 'string' && { channel: parsed.channel }),
      ...(typeof parsed.ts === 'string' && { ts: parsed.ts }),
    };
  } catch {
    return undefined;
  }
}

/** The weekly digest in Block Kit, as Discord's embed has it; the chart is uploaded beside it. */
export function renderSlackDigest(data: DigestData): { text: string; blocks: Block[] } {
  const field = (name: string, value: string) => mrkdwn(truncateMrkdwn(`*${name}*\n${value}`, SLACK_LIMITS.fieldText));
  const blocks: Block[] = [
    { type: 'header', text: plainText(slackPlain(`Weekly digest ${data.week}`, SLACK_LIMITS.headerText)) },
    { type: 'section', text: mrkdwn(truncateMrkdwn(digestHeadlines(data).map((h) => `• ${slackInert(h, 600)}`).join('\n'), SLACK_LIMITS.sectionText)) },
    {
      type: 'section',
      fields: [
        field('Top complaint themes', data.themes.slice(0, 5).map((t) => `${slackInert(t.name, 100)}: ${t.count}`).join('\n') || 'None'),
        field('First response within target', data.sla.map((g) => `${slackInert(g.urgency, 20)}: ${pct(g.withinTarget, g.withTarget)} (median ${minutes(g.medianMinutes)})`).join('\n') || 'No alerts'),
      ],
    },
    { type: 'section', text: mrkdwn(truncateMrkdwn(`*Praise to pass on*\n${data.praise.map((p) => `>${slackInert(p, 300).replace(/\n/g, ' ')}`).join('\n') || 'None this week'}`, SLACK_LIMITS.sectionText)) },
    { type: 'section', text: mrkdwn(truncateMrkdwn(`*Our posting on X*\n${slackInert(cadenceNotes(data).join(' '), 1500)}`, SLACK_LIMITS.sectionText)) },
    { type: 'context', elements: [mrkdwn(slackInert(`${data.days[0]?.date} to ${data.days[6]?.date} · ${data.timeZone}`, 200))] },
  ];
  return { text: slackInert(`Weekly digest ${data.week}`, 200), blocks: fitBlocks(blocks) };
}
