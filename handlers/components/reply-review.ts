import type { ActionHandler, Actor, HandlerContext } from '../../src/chat/handler-types.js';
import { approveReply, rejectReply, replyNote, type ReplyOutcome } from '../../src/chat/reply-desk.js';

/** A button on an approval request; `value` is the draft's id. */
function reviewAction(id: string, review: (ctx: HandlerContext, request: { draftId: number; actor: Actor }) => Promise<ReplyOutcome>): ActionHandler {
  return {
    id,
    async run(request, ctx) {
      const draftId = request.value !== undefined && /^\d{1,15}$/.test(request.value) ? Number(request.value) : undefined;
      if (draftId === undefined) return { kind: 'refused', text: 'Which reply? The button lost its draft.' };
      return replyNote(await review(ctx, { draftId, actor: request.actor }));
    },
  };
}

/** Approve a reply waiting for a second person. */
export const approveReplyAction = reviewAction('reply-approve', approveReply);

/** Reject a reply waiting for a second person; its author can edit and submit it again. */
export const rejectReplyAction = reviewAction('reply-reject', rejectReply);
