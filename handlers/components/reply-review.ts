import type { ActionHandler, ActionOutcome } from '../../src/chat/handler-types.js';
import { approveReply, rejectReply, type ReplyOutcome } from '../../src/chat/reply-desk.js';

/** What an approver's click answers, privately: the reply's new state. */
export function replyNote(outcome: ReplyOutcome): ActionOutcome {
  switch (outcome.kind) {
    case 'refused':
      return { kind: 'refused', text: outcome.text };
    case 'compose':
      return { kind: 'private', title: outcome.title, quote: outcome.text };
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

function draftIdOf(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** Approve a reply waiting for a second person (`value` is the draft's id). */
export const approveReplyAction: ActionHandler = {
  id: 'reply-approve',
  async run(request, ctx) {
    const draftId = draftIdOf(request.value);
    if (draftId === undefined) return { kind: 'refused', text: 'Which reply? The button lost its draft.' };
    return replyNote(await approveReply(ctx, { draftId, actor: request.actor }));
  },
};

/** Reject a reply waiting for a second person; its author can edit and submit it again. */
export const rejectReplyAction: ActionHandler = {
  id: 'reply-reject',
  async run(request, ctx) {
    const draftId = draftIdOf(request.value);
    if (draftId === undefined) return { kind: 'refused', text: 'Which reply? The button lost its draft.' };
    return replyNote(await rejectReply(ctx, { draftId, actor: request.actor }));
  },
};
