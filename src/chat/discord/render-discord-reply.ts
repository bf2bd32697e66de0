import type { APIActionRowComponent, APIComponentInMessageActionRow, APIModalInteractionResponseCallbackData, APISelectMenuOption } from 'discord.js';
import type { ReplyDraft } from '../../store/reply-outbox.js';
import type { ActionOutcome } from '../handler-types.js';
import type { ReplyOutcome } from '../reply-desk.js';
import { fitComponents, fitContent, inert, plain } from '../sanitize.js';

/*
 * The reply composer on Discord: the card's suggested-reply menu opens it (the card already uses its
 * five component rows), a modal with the text prefilled, the blocked answer with Edit, and the
 * approval request with Approve / Edit / Reject. Custom ids carry the alert and the draft.
 */

/** The menu option that opens an empty editor; not a template id (those are kebab-case words). */
export const WRITE_OPTION = ':write';
/** The modal's text input. */
export const REPLY_INPUT = 'reply';
/** Discord's ceilings: a text input holds 4,000 characters; a modal title and a label 45. */
const INPUT_MAX = 4000;
const MODAL_TITLE_MAX = 45;
const LABEL_MAX = 45;
const TEXT_DISPLAY_MAX = 4000;

const BUTTON = 2;
const ROW = 1;
const TEXT_INPUT = 4;
const PARAGRAPH = 2;
const TEXT_DISPLAY = 10;
const LABEL = 18;
const STYLE = { primary: 1, secondary: 2, success: 3, danger: 4 } as const;

/** What a reply control is for: `t:<action>:<alertId>[:<draftId>]`. */
export interface ReplyControl {
  action: 'compose' | 'reply-edit' | 'reply-approve' | 'reply-reject';
  alertId: number;
  draftId: number | undefined;
}

export function replyControlId(action: ReplyControl['action'], alertId: number, draftId?: number): string {
  return `t:${action}:${alertId}${draftId === undefined ? '' : `:${draftId}`}`;
}

export function parseReplyControl(id: string): ReplyControl | undefined {
  const m = /^t:(compose|reply-edit|reply-approve|reply-reject):(\d{1,15})(?::(\d{1,15}))?$/.exec(id);
  if (!m) return undefined;
  const action = m[1] as ReplyControl['action'];
  const draftId = m[3] === undefined ? undefined : Number(m[3]);
  // Edit, Approve and Reject act on one draft; only a new reply has none.
  if (action !== 'compose' && draftId === undefined) return undefined;
  return { action, alertId: Number(m[2]), draftId };
}

/** The card's reply menu: "Write a reply…" (while the alert is open), then each suggested reply. */
export function replyMenuOptions(open: boolean, suggestions: readonly APISelectMenuOption[]): APISelectMenuOption[] {
  const write: APISelectMenuOption = { label: 'Write a reply…', value: WRITE_OPTION, description: 'Opens the editor; the reply guard checks it before it is sent' };
  return [...(open ? [write] : []), ...suggestions];
}

/**
 * The editor (interaction response type 9): prefilled, limited to the platform's length (Discord's
 * 4,000 where the platform allows more). With `draft`, the guard's problems with the last
 * submission are shown above the text; `notes` (which suggestion it starts from, and the guard's
 * verdict on it) too.
 */
export function renderComposeModal(compose: Extract<ReplyOutcome, { kind: 'compose' }>, options: { draft?: ReplyDraft | undefined; notes?: readonly string[] } = {}): APIModalInteractionResponseCallbackData {
  const { draft } = options;
  const components: APIModalInteractionResponseCallbackData['components'] = [];
  const notes = (options.notes ?? []).map((n) => inert(n, 600));
  if (draft && !draft.guard.ok) notes.push(`**Not sent: the reply guard blocked it.** Edit the text and send again:\n${draft.guard.problems.slice(0, 10).map((p) => `• ${inert(p, 300)}`).join('\n')}`);
  notes.push('The reply guard checks the final text before anything is sent.');
  components.push({ type: TEXT_DISPLAY, content: notes.join('\n\n').slice(0, TEXT_DISPLAY_MAX) });
  components.push({
    type: LABEL,
    label: plain(`Reply on ${compose.platformName} (up to ${compose.maxLength})`, LABEL_MAX),
    component: {
      type: TEXT_INPUT,
      custom_id: REPLY_INPUT,
      style: PARAGRAPH,
      min_length: 1,
      max_length: Math.min(compose.maxLength, INPUT_MAX),
      required: true,
      ...(compose.text.length > 0 && { value: compose.text.slice(0, Math.min(compose.maxLength, INPUT_MAX)) }),
    },
  });
  return { custom_id: replyControlId('compose', compose.alertId, compose.draftId), title: plain(compose.title, MODAL_TITLE_MAX) || 'Reply', components };
}

/** A private answer's text, as every Discord answer shows it: the quote as code, copied exactly and rendering nothing. */
export function privateContent(outcome: Extract<ActionOutcome, { kind: 'private' }>): string {
  const quote = outcome.quote === undefined ? '' : `\n\`\`\`\n${outcome.quote.replace(/`/g, "'")}\n\`\`\``;
  const note = outcome.note === undefined ? '' : `\n${inert(outcome.note, 400)}`;
  return fitContent(`${inert(outcome.title, 200)}${quote}${note}`);
}

const button = (customId: string, label: string, style: number) => ({ type: BUTTON, custom_id: customId, label, style }) as const;

/** The Edit button beside a blocked (or rejected) reply: reopens the editor with its text. */
export function editRow(draft: ReplyDraft): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  return fitComponents([{ type: ROW, components: [button(replyControlId('reply-edit', draft.alertId, draft.id), 'Edit', STYLE.primary)] }]);
}

/** The message asking a second person: who wrote it and why it waits, the text, the guard's verdict, Approve / Edit / Reject. */
export function renderApprovalRequest(draft: ReplyDraft): { content: string; components: APIActionRowComponent<APIComponentInMessageActionRow>[]; allowed_mentions: { parse: [] } } {
  const head = `**Reply to alert #${draft.alertId} by ${inert(draft.author, 60)} needs a second person** (${inert(draft.approval.reason ?? 'approval required', 200)})`;
  const verdict = 'Reply guard: ok (no patient confirmation, no health details, fits the platform). The author cannot approve their own reply.';
  return {
    content: fitContent(`${head}\n\`\`\`\n${draft.text.replace(/`/g, "'").slice(0, 1500)}\n\`\`\`\n${verdict}`),
    components: fitComponents([{
      type: ROW,
      components: [
        button(replyControlId('reply-approve', draft.alertId, draft.id), 'Approve', STYLE.success),
        button(replyControlId('reply-edit', draft.alertId, draft.id), 'Edit', STYLE.secondary),
        button(replyControlId('reply-reject', draft.alertId, draft.id), 'Reject', STYLE.danger),
      ],
    }]),
    allowed_mentions: { parse: [] },
  };
}
