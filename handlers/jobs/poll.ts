import type { JobHandler } from '../../src/chat/discord/handler-types.js';
import type { BotContext } from '../../src/main.js';
import { pollOnce } from '../../src/main.js';

/** Every configured source once, then the outbox; on X_POLL_CRON (every minute by default). */
export const poll: JobHandler<BotContext> = {
  name: 'poll',
  schedule: (ctx) => ctx.app.config.x?.pollCron ?? '* * * * *',
  async run(ctx, signal) {
    const { poll: result, posted } = await pollOnce(ctx.app, ctx.sources, ctx.chat, signal);
    ctx.app.log.info({ ...result, posted }, 'poll cycle done');
  },
};
