import { randomUUID } from 'node:crypto';
import type { AlertView } from '../domain/alert.js';
import { cardFor, replyContextOf } from '../pipeline.js';
import type { ReplyDraft } from '../store/reply-outbox.js';
import { replyRulesFor } from '../triage/platform-replies.js';
import { approvalFor } from '../triage/reply-approval.js';
import { xReplyTerms, type XReplyTerms } from '../sources/x/x-reply-rule.js';
import type { ActionOutcome, Actor, HandlerContext } from './handler-types.js';

/**
 * Replies written on a card, chat-neutral: compose (prefilled, the platform's limit), submit (the
 * guard runs on the final text; a blocked reply stays a draft), approve, reject and edit. Discord,
 * Slack and the console render the outcomes; the reply dispatcher sends what is queued.
 */
export type ReplyOutcome =
  /** What to open the editor with. */
  | {
      kind: 'compose'; alertId: number; draftId?: number; text: string; maxLength: number; platformName: string; title: string;
      /** What the platform's terms mean for this reply (X: its reply rule, the cost), shown beside the text. */
      notice?: string;
      /** The platform will not take it from here: the text is offered to copy, and submitting does not queue it. */
      copyOnly?: boolean;
    }
  /** The guard found problems: shown privately beside the text, with Edit; nothing is sent. */
  | { kind: 'blocked'; draft: ReplyDraft }
  /** Waits for a second person: the chat shows the text, the verdict and Approve / Edit / Reject. */
  | { kind: 'awaiting-approval'; draft: ReplyDraft }
  /** In the outbox: it goes out with the next dispatch. */
  | { kind: 'queued'; draft: ReplyDraft }
  | { kind: 'rejected'; draft: ReplyDraft }
  | { kind: 'refused'; text: string };

type Ctx = Pick<HandlerContext, 'deps' | 'log'>;

/** The editor for a reply to `alertId`: empty, a suggested reply (`template`), or a draft being edited. */
export async function composeReply(ctx: Ctx, request: { alertId: number; actor: Actor; template?: string | undefined; draftId?: number | undefined }): Promise<ReplyOutcome> {
  const alert = await ctx.deps.store.getAlert(request.alertId);
  if (!alert) return { kind: 'refused', text: 'That alert is no longer there.' };
  const rules = replyRulesFor(replyContextOf(alert, ctx.deps).target);
  const terms = await platformTerms(ctx, alert);
  const base = { kind: 'compose' as const, alertId: alert.id, maxLength: rules.max, platformName: rules.name, title: `Reply on ${rules.name}`, ...terms };
  if (request.draftId !== undefined) {
    const draft = await ctx.deps.store.replies.get(request.draftId);
    if (!draft || draft.alertId !== alert.id) return { kind: 'refused', text: 'That reply is no longer there.' };
    return { ...base, draftId: draft.id, text: draft.text, title: `Edit reply on ${rules.name}` };
  }
  let text = '';
  if (request.template !== undefined) {
    const suggested = (await cardFor(alert, ctx.deps)).replies.find((r) => r.template === request.template);
    if (!suggested) return { kind: 'refused', text: 'That reply is no longer offered for this alert.' };
    text = suggested.text;
  }
  return { ...base, text };
}

/**
 * A written (or edited) reply: the guard checks the final text against the post it answers, by the
 * platform's rules; the account's approval setting and the alert decide whether a second person must
 * look. A new draft when `draftId` is absent.
 */
export async function submitReply(ctx: Ctx, request: { alertId: number; actor: Actor; text: string; draftId?: number | undefined }): Promise<ReplyOutcome> {
  const { store } = ctx.deps;
  const alert = await store.getAlert(request.alertId);
  if (!alert) return { kind: 'refused', text: 'That alert is no longer there.' };
  const text = request.text.trim();
  if (text.length === 0) return { kind: 'refused', text: 'The reply is empty.' };
  const revision = checkReply(ctx, alert, text);
  const terms = await platformTerms(ctx, alert);
  if (terms?.copyOnly) {
    const problems = revision.guard.ok ? '' : ` The reply guard also blocks this text: ${revision.guard.problems.join('; ')}.`;
    return { kind: 'refused', text: `Not queued: ${terms.notice}${problems}` };
  }
  const now = ctx.deps.now();
  if (request.draftId === undefined) {
    const draft = await store.replies.create({ alertId: alert.id, platform: alert.mention.platform, account: alert.mention.account ?? null, text, author: request.actor.name, ...revision, sendKey: randomUUID(), now });
    ctx.log.info({ alertId: alert.id, draftId: draft.id, actor: request.actor.name, state: draft.state }, 'reply drafted');
    return outcomeOf(draft);
  }
  const existing = await store.replies.get(request.draftId);
  if (!existing || existing.alertId !== alert.id) return { kind: 'refused', text: 'That reply is no longer there.' };
  const result = await store.replies.edit(existing.id, { text, ...revision }, request.actor.name, now);
  if (!result.ok) return { kind: 'refused', text: `Not changed: ${result.reason}.` };
  ctx.log.info({ alertId: alert.id, draftId: existing.id, actor: request.actor.name, state: result.draft.state }, 'reply edited');
  return outcomeOf(result.draft);
}

/** A second person's yes. The author, or whoever last edited the text, cannot give it. */
export async function approveReply(ctx: Ctx, request: { draftId: number; actor: Actor }): Promise<ReplyOutcome> {
  const result = await ctx.deps.store.replies.approve(request.draftId, request.actor.name, ctx.deps.now());
  if (!result.ok) return { kind: 'refused', text: `Not approved: ${result.reason}.` };
  ctx.log.info({ draftId: request.draftId, actor: request.actor.name }, 'reply approved');
  return outcomeOf(result.draft);
}

export async function rejectReply(ctx: Ctx, request: { draftId: number; actor: Actor; reason?: string | undefined }): Promise<ReplyOutcome> {
  const reason = request.reason?.trim() || 'rejected by the approver';
  const result = await ctx.deps.store.replies.reject(request.draftId, request.actor.name, reason, ctx.deps.now());
  if (!result.ok) return { kind: 'refused', text: `Not rejected: ${result.reason}.` };
  ctx.log.info({ draftId: request.draftId, actor: request.actor.name }, 'reply rejected');
  return { kind: 'rejected', draft: result.draft };
}

/** X's terms (its reply rule and price) for a reply to `alert`; nothing for the other platforms. */
async function platformTerms(ctx: Ctx, alert: AlertView): Promise<XReplyTerms | undefined> {
  if (alert.mention.platform !== 'x') return undefined;
  return xReplyTerms(ctx.deps.store.oauthLogins, alert.mention.account ?? 'x', alert.mention.text);
}

function checkReply(ctx: Ctx, alert: AlertView, text: string) {
  const guard = ctx.deps.guard.check(text, alert.mention.text, replyContextOf(alert, ctx.deps).target);
  const approval = approvalFor(ctx.deps.accounts?.approvalOf(alert.mention.account) ?? 'none', alert);
  return { guard, approval };
}

function outcomeOf(draft: ReplyDraft): ReplyOutcome {
  switch (draft.state) {
    case 'blocked':
      return { kind: 'blocked', draft };
    case 'awaiting_approval':
      return { kind: 'awaiting-approval', draft };
    case 'rejected':
      return { kind: 'rejected', draft };
    default:
      return { kind: 'queued', draft };
  }
}

/** A reply outcome as a private answer any chat renders (the approver's click, the author's submit). */
export function replyNote(outcome: ReplyOutcome): ActionOutcome {
  switch (outcome.kind) {
    case 'refused':
      return { kind: 'refused', text: outcome.text };
    case 'compose':
      return { kind: 'private', title: outcome.title, quote: outcome.text, ...(outcome.notice !== undefined && { note: outcome.notice }) };
    case 'blocked':
      return { kind: 'private', title: 'Not sent: the reply guard blocked this reply. Edit it:', quote: outcome.draft.text, note: outcome.draft.guard.problems.join('; ') };
    case 'awaiting-approval':
      return { kind: 'private', title: `Waiting for a second person to approve (${outcome.draft.approval.reason ?? 'approval required'}):`, quote: outcome.draft.text };
    case 'queued':
      return { kind: 'private', title: outcome.draft.approvedBy ? `Approved by ${outcome.draft.approvedBy}: sending.` : 'Sending.', quote: outcome.draft.text };
    case 'rejected':
      return { kind: 'private', title: `Rejected: ${outcome.draft.failure ?? ''}`, quote: outcome.draft.text };
  }
}
