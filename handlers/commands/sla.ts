import type { CommandHandler } from '../../src/chat/handler-types.js';

const WEEK = 7 * 24 * 3600_000;

/** `/triage sla`: breached and at-risk alerts, and first-response figures per responder this week. */
export const sla: CommandHandler = {
  name: 'sla',
  description: 'Alerts past or near their response target, and response times per person',
  async run(_, ctx) {
    const now = ctx.deps.now();
    const waiting = (await ctx.deps.store.openAlerts(500)).filter((a) => a.firstResponseAt === null && a.firstResponseDueAt !== null);
    const breached = waiting.filter((a) => (a.firstResponseDueAt as number) <= now);
    const atRisk = waiting.filter((a) => {
      const due = a.firstResponseDueAt as number;
      return due > now && now >= a.mention.createdAt + (due - a.mention.createdAt) * 0.8;
    });
    const stats = await ctx.deps.store.responderStats(now - WEEK);
    return {
      kind: 'report',
      sections: [
        { title: `Past first-response target: ${breached.length}`, tone: 'danger', alerts: breached, empty: 'None.' },
        { title: `At risk (over 80% of the window used): ${atRisk.length}`, tone: 'warning', alerts: atRisk, empty: 'None.' },
        {
          title: 'First responses in the last 7 days',
          lines: stats.map((s) => `${s.responder}: ${s.answered} answered, median ${s.medianMinutes} min, ${Math.round((100 * s.withinTarget) / s.answered)}% within target`),
          empty: 'No responses recorded yet.',
        },
      ],
    };
  },
};
