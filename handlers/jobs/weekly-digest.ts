import type { JobHandler } from '../../src/chat/discord/handler-types.js';
import { postWeeklyDigest } from '../../src/digest/weekly-digest.js';
import type { BotContext } from '../../src/main.js';

/** The weekly digest, on DIGEST_CRON (Monday 08:00 by default); posted once per week. */
export const weeklyDigest: JobHandler<BotContext> = {
  name: 'weekly-digest',
  schedule: (ctx) => ctx.app.config.digestCron,
  runAtStart: false,
  async run(ctx) {
    const { app } = ctx;
    const result = await postWeeklyDigest(ctx.chat, app.digest, app.deps.now(), app.data.policy.timezone);
    if (result.posted) app.log.info({ week: result.week }, 'weekly digest posted');
  },
};
