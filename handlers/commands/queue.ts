import type { CommandHandler } from '../../src/chat/handler-types.js';
import { URGENCIES } from '../../src/domain/classification.js';

/** `/triage queue`: open alerts by urgency with due times and assignees. */
export const queue: CommandHandler = {
  name: 'queue',
  description: 'Open alerts by urgency, with due times and who has them',
  async run(_, ctx) {
    const summary = await ctx.deps.store.queueSummary(ctx.deps.now());
    return {
      kind: 'report',
      sections: [{
        title: `Queue: ${summary.total} open (${summary.breached} past first-response target)`,
        alerts: await ctx.deps.store.openAlerts(40),
        empty: 'Nothing open.',
        footer: URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · '),
      }],
    };
  },
};
