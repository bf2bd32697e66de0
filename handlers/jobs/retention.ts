import type { JobHandler } from '../../src/chat/discord/handler-types.js';
import { createDigestFacts } from '../../src/digest/mention-facts.js';
import type { BotContext } from '../../src/main.js';
import { RetentionStore, retentionCutoff } from '../../src/store/retention.js';

/**
 * Daily at 03:17 (and at start-up, catching up after downtime): the text and author of posts older
 * than RETENTION_DAYS whose alerts are closed (or that never had one) are removed; the numbers stay.
 */
export const retention: JobHandler<BotContext> = {
  name: 'retention',
  schedule: () => '17 3 * * *',
  async run(ctx, signal) {
    const { app } = ctx;
    const now = app.deps.now();
    const result = await new RetentionStore(app.store.db).purgeExpired({ cutoff: retentionCutoff(now, app.config.retentionDays), now, factsOf: createDigestFacts(app.digest, app.data.policy.timezone), signal });
    if (result.mentions > 0) app.log.info({ ...result, retentionDays: app.config.retentionDays }, 'retention purge');
  },
};
