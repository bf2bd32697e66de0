import type { types } from '@slack/bolt';
import type { ReplyDraft } from '../../store/reply-outbox.js';
import type { ReplyOutcome } from '../reply-desk.js';
import { fitBlocks, SLACK_LIMITS, slackInert, slackPlain } from '../sanitize.js';
import { actionId } from './render-slack-card.js';

type Block = types.KnownBlock;
const mrkdwn = (text: string): types.MrkdwnElement => ({ type: 'mrkdwn', text, verbatim: true });
const plainText = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });

export const COMPOSE_CALLBACK = 'triage_compose';
export const COMPOSE_BLOCK = 'reply';
export const COMPOSE_INPUT = 'text';
/** Slack's own ceiling for a plain-text input. */
const SLACK_INPUT_MAX = 3000;

/** Where a compose modal's submission applies: the alert, the draft being edited, the card. */
export interface ComposeTarget {
  alertId: number;
  draftId?: number | undefined;
  channel?: string | undefined;
  ts?: string | undefined;
}

/**
 * The reply editor: prefilled, limited to the platform's length (Slack's 3,000 where a platform
 * allows more). With `draft`, the guard's problems with the last submission are shown above it.
 */
export function renderComposeModal(compose: Extract<ReplyOutcome, { kind: 'compose' }>, target: ComposeTarget, draft?: ReplyDraft): types.ModalView {
  const blocks: Block[] = [];
  if (draft && !draft.guard.ok) {
    blocks.push({ type: 'section', text: mrkdwn(`*Not sent: the reply guard blocked it.* Edit the text and send again:\n${draft.guard.problems.slice(0, 10).map((p) => `• ${slackInert(p, 300)}`).join('\n')}`) });
  }
  blocks.push({
    type: 'input',
    block_id: COMPOSE_BLOCK,
    label: plainText(slackPlain(`Reply (up to ${compose.maxLength} characters on ${compose.platformName})`, 150)),
    element: {
      type: 'plain_text_input',
      action_id: COMPOSE_INPUT,
      multiline: true,
      max_length: Math.min(compose.maxLength, SLACK_INPUT_MAX),
      ...(compose.text.length > 0 && { initial_value: compose.text.slice(0, SLACK_INPUT_MAX) }),
    },
  });
  blocks.push({ type: 'context', elements: [mrkdwn('The reply guard checks the final text before anything is sent.')] });
  // The platform's terms: X's reply rule and price; a copy-only reply is checked, not sent.
  if (compose.notice !== undefined) blocks.push({ type: 'context', elements: [mrkdwn(slackInert(compose.notice, 600))] });
  return {
    type: 'modal',
    callback_id: COMPOSE_CALLBACK,
    private_metadata: JSON.stringify(target).slice(0, SLACK_LIMITS.privateMetadata),
    title: plainText(slackPlain(compose.title, SLACK_LIMITS.modalTitle)),
    submit: plainText(compose.copyOnly ? 'Check' : 'Send'),
    close: plainText('Cancel'),
    blocks: fitBlocks(blocks, SLACK_LIMITS.viewBlocks),
  };
}

export function parseComposeTarget(value: unknown): ComposeTarget | undefined {
  try {
    const parsed = JSON.parse(String(value)) as Partial<ComposeTarget>;
    if (!Number.isSafeInteger(parsed.alertId) || (parsed.alertId as number) < 1) return undefined;
    if (parsed.draftId !== undefined && !Number.isSafeInteger(parsed.draftId)) return undefined;
    return { alertId: parsed.alertId as number, draftId: parsed.draftId, channel: typeof parsed.channel === 'string' ? parsed.channel : undefined, ts: typeof parsed.ts === 'string' ? parsed.ts : undefined };
  } catch {
    return undefined;
  }
}

/** The message asking a second person: the text, the guard's verdict, why, and Approve / Edit / Reject. */
export function renderApprovalRequest(draft: ReplyDraft): { text: string; blocks: Block[] } {
  const button = (action: string, label: string, style?: 'primary' | 'danger'): types.Button => ({ type: 'button', action_id: actionId(action, draft.alertId), text: plainText(label), value: String(draft.id), ...(style && { style }) });
  const text = `Reply to alert #${draft.alertId} by ${slackInert(draft.author, 60)} needs a second person`;
  return {
    text,
    blocks: fitBlocks([
      { type: 'section', text: mrkdwn(`*${text}* (${slackInert(draft.approval.reason ?? 'approval required', 200)})`) },
      { type: 'section', text: mrkdwn(`\`\`\`\n${slackInert(draft.text.replace(/`/g, "'"), 2800)}\n\`\`\``) },
      { type: 'context', elements: [mrkdwn('Reply guard: ok (no patient confirmation, no health details, fits the platform).')] },
      { type: 'actions', block_id: `t:approval:${draft.id}`, elements: [button('reply-approve', 'Approve', 'primary'), button('reply-edit', 'Edit'), button('reply-reject', 'Reject', 'danger')] },
    ]),
  };
}
