import type { JobHandler } from '../../src/chat/handler-types.js';
import type { BotContext } from '../../src/scheduler.js';
import { runSlaSweep } from '../../src/pipeline.js';

/** Every minute: reminders and escalations that fell due are recorded once and sent. */
export const slaSweep: JobHandler<BotContext> = {
  name: 'sla-sweep',
  schedule: () => '* * * * *',
  async run(ctx, signal) {
    const result = await runSlaSweep(ctx.chat, ctx.deps, signal);
    if (result.created > 0 || result.sent > 0) ctx.deps.log.info(result, 'SLA sweep');
  },
};
