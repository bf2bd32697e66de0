import type { JobHandler } from '../../src/chat/handler-types.js';
import { createDigestFacts } from '../../src/digest/mention-facts.js';
import type { BotContext } from '../../src/scheduler.js';
import { retentionCutoff } from '../../src/store/retention.js';

/**
 * Daily at 03:17 (and at start-up, catching up after downtime): the text and author of posts older
 * than RETENTION_DAYS whose alerts are closed (or that never had one) are removed; the numbers stay.
 */
export const retention: JobHandler<BotContext> = {
  name: 'retention',
  // On PostgreSQL with several instances, the one holding the job's lease runs it (see the scheduler).
  schedule: () => '17 3 * * *',
  async run(ctx, signal) {
    const now = ctx.deps.now();
    const days = ctx.config.retentionDays;
    const result = await ctx.deps.store.retention.purgeExpired({ cutoff: retentionCutoff(now, days), now, factsOf: createDigestFacts(ctx.digest, ctx.timeZone), signal });
    if (result.mentions > 0) ctx.deps.log.info({ ...result, retentionDays: days }, 'retention purge');
  },
};
