import type { JobHandler } from '../../src/chat/handler-types.js';
import type { BotContext } from '../../src/scheduler.js';
import { runSlaSweep } from '../../src/pipeline.js';
import { MEASURE_BATCH, measureAlertMinutes } from '../../src/triage/sla-minutes.js';

/**
 * Every minute: reminders and escalations that fell due are recorded once and sent; then the open
 * minutes of alerts answered or resolved since are stored (a batch a run, newest first, so a long
 * history is filled in over time), for the SLA report to read instead of walking the calendars.
 */
export const slaSweep: JobHandler<BotContext> = {
  name: 'sla-sweep',
  schedule: () => '* * * * *',
  async run(ctx, signal) {
    const result = await runSlaSweep(ctx.chat, ctx.deps, signal);
    if (result.created > 0 || result.sent > 0) ctx.deps.log.info(result, 'SLA sweep');
    if (!signal.aborted) await measureAlertMinutes(ctx.deps.store.alertMinutes, ctx.deps.policies.calendarOf, { limit: MEASURE_BATCH });
  },
};
