import type { ActionHandler } from '../../src/chat/handler-types.js';
import { approveReply, rejectReply, replyNote } from '../../src/chat/reply-desk.js';

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
