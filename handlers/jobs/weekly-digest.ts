import type { JobHandler } from '../../src/chat/handler-types.js';
import { postWeeklyDigest } from '../../src/digest/weekly-digest.js';
import type { BotContext } from '../../src/scheduler.js';

/** The weekly digest, on DIGEST_CRON (Monday 08:00 by default); posted once per week. */
export const weeklyDigest: JobHandler<BotContext> = {
  name: 'weekly-digest',
  schedule: (ctx) => ctx.config.digestCron,
  runAtStart: false,
  async run(ctx, signal) {
    // One post a week: nothing to wind down once it is on its way, but none is started after a stop.
    if (signal.aborted) return;
    const result = await postWeeklyDigest(ctx.chat, ctx.digest, ctx.deps.now(), ctx.timeZone);
    if (result.posted) ctx.deps.log.info({ week: result.week }, 'weekly digest posted');
  },
};
