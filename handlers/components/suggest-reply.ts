import type { ActionHandler } from '../../src/chat/handler-types.js';
import { cardFor } from '../../src/pipeline.js';

/** Shows the chosen suggested reply filled in, privately, ready to copy, with the guard's verdict. */
export const suggestReply: ActionHandler = {
  id: 'reply',
  async run(request, ctx) {
    const alert = await ctx.deps.store.getAlert(request.alertId);
    const reply = alert ? (await cardFor(alert, ctx.deps)).replies.find((r) => r.template === request.value) : undefined;
    if (!reply) return { kind: 'refused', text: 'That reply is no longer offered for this alert.' };
    const verdict = reply.guard.ok
      ? 'Reply guard: ok (no patient confirmation, no health details, fits X).'
      : `Reply guard: check before posting: ${reply.guard.problems.join('; ')}`;
    return { kind: 'private', title: `Suggested reply (${reply.template}):`, quote: reply.text, note: verdict };
  },
};
