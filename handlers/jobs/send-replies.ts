import type { JobHandler } from '../../src/chat/handler-types.js';
import type { BotContext } from '../../src/scheduler.js';
import { sendReplies } from '../../src/sources/send-replies.js';

/** The reply outbox: approved and guard-passed replies written on cards, sent once; every minute. */
export const sendRepliesJob: JobHandler<BotContext> = {
  name: 'send-replies',
  schedule: (ctx) => (ctx.replyPublisherFor ? '* * * * *' : undefined),
  async run(ctx, signal) {
    if (!ctx.replyPublisherFor) return;
    const summary = await sendReplies({ store: ctx.deps.store, log: ctx.deps.log, now: ctx.deps.now, publisherFor: ctx.replyPublisherFor }, signal);
    if (summary.sent + summary.failed + summary.retrying > 0) ctx.deps.log.info(summary, 'replies sent');
  },
};
