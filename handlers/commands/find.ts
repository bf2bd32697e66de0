import { MessageFlags } from 'discord.js';
import type { CommandHandler } from '../../src/chat/discord/handler-types.js';
import { alertLine, joinWithin } from '../../src/chat/discord/format-list.js';
import { inert } from '../../src/chat/discord/render-alert-card.js';

/** `/triage find <text>`: alerts whose post contains the text. */
export const find: CommandHandler = {
  data: {
    type: 1,
    name: 'find',
    description: 'Find alerts whose post contains some text',
    options: [{ type: 3, name: 'text', description: 'Words to look for', required: true, min_length: 2, max_length: 100 }],
  },
  async execute(interaction, ctx) {
    const text = interaction.options.getString('text', true);
    const now = ctx.deps.now();
    const alerts = ctx.deps.store.findAlerts(text, 20);
    await interaction.reply({
      embeds: [{
        title: `Alerts mentioning "${inert(text, 100)}": ${alerts.length}${alerts.length === 20 ? '+' : ''}`,
        description: alerts.length ? joinWithin(alerts.map((a) => alertLine(a, now))) : 'None found.',
      }],
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
