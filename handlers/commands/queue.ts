import { MessageFlags } from 'discord.js';
import type { CommandHandler } from '../../src/chat/discord/handler-types.js';
import { alertLine, joinWithin } from '../../src/chat/discord/format-list.js';
import { URGENCIES } from '../../src/domain/classification.js';

/** `/triage queue`: open alerts by urgency with due times and assignees. */
export const queue: CommandHandler = {
  data: { type: 1, name: 'queue', description: 'Open alerts by urgency, with due times and who has them' },
  async execute(interaction, ctx) {
    const now = ctx.deps.now();
    const summary = ctx.deps.store.queueSummary(now);
    const alerts = ctx.deps.store.openAlerts(40);
    const counts = URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · ');
    await interaction.reply({
      embeds: [{
        title: `Queue: ${summary.total} open (${summary.breached} past first-response target)`,
        description: alerts.length === 0 ? 'Nothing open.' : joinWithin(alerts.map((a) => alertLine(a, now))),
        footer: { text: counts },
      }],
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
