import { MessageFlags } from 'discord.js';
import type { CommandHandler } from '../../src/chat/discord/handler-types.js';
import { alertLine, joinWithin } from '../../src/chat/discord/format-list.js';
import { inert } from '../../src/chat/discord/render-alert-card.js';

const WEEK = 7 * 24 * 3600_000;

/** `/triage sla`: breached and at-risk alerts, and first-response figures per responder this week. */
export const sla: CommandHandler = {
  data: { type: 1, name: 'sla', description: 'Alerts past or near their response target, and response times per person' },
  async execute(interaction, ctx) {
    const now = ctx.deps.now();
    const waiting = ctx.deps.store.openAlerts(500).filter((a) => a.firstResponseAt === null && a.firstResponseDueAt !== null);
    const breached = waiting.filter((a) => (a.firstResponseDueAt as number) <= now);
    const atRisk = waiting.filter((a) => {
      const due = a.firstResponseDueAt as number;
      return due > now && now >= a.mention.createdAt + (due - a.mention.createdAt) * 0.8;
    });
    const stats = ctx.deps.store.responderStats(now - WEEK);
    const statLines = stats.map((s) => `${inert(s.responder, 40)}: ${s.answered} answered, median ${s.medianMinutes} min, ${Math.round((100 * s.withinTarget) / s.answered)}% within target`);
    await interaction.reply({
      embeds: [
        { title: `Past first-response target: ${breached.length}`, color: 0x7f0000, description: breached.length ? joinWithin(breached.map((a) => alertLine(a, now)), 1900) : 'None.' },
        { title: `At risk (over 80% of the window used): ${atRisk.length}`, color: 0xffb300, description: atRisk.length ? joinWithin(atRisk.map((a) => alertLine(a, now)), 1900) : 'None.' },
        { title: 'First responses in the last 7 days', description: statLines.length ? joinWithin(statLines, 1500) : 'No responses recorded yet.' },
      ],
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
