import type { JobHandler } from '../../src/chat/handler-types.js';
import { pollOnce } from '../../src/pipeline.js';
import type { BotContext } from '../../src/scheduler.js';

/** Every configured source once, then the outbox; on X_POLL_CRON (every minute by default). */
export const poll: JobHandler<BotContext> = {
  name: 'poll',
  schedule: (ctx) => ctx.config.x?.pollCron ?? '* * * * *',
  async run(ctx, signal) {
    const { poll: result, posted } = await pollOnce(ctx.deps, ctx.sources, ctx.chat, signal, ctx.limits);
    ctx.deps.log.info({ ...result, posted }, 'poll cycle done');
  },
};
