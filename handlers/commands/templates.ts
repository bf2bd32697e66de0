import { MessageFlags } from 'discord.js';
import type { CommandHandler } from '../../src/chat/discord/handler-types.js';
import { truncate } from '../../src/chat/discord/render-alert-card.js';

/** `/triage templates`: the suggested-reply templates and when each is offered. */
export const templates: CommandHandler = {
  data: { type: 1, name: 'templates', description: 'The suggested-reply templates and when each is offered' },
  async execute(interaction, ctx) {
    const fields = ctx.deps.templates.templates.slice(0, 25).map((t) => ({
      name: truncate(`${t.name} (${t.id})`, 256),
      value: truncate(`${t.when.categories ? `for ${t.when.categories.join(', ')}` : 'for anything'}\n${t.text}`, 1024),
    }));
    await interaction.reply({ embeds: [{ title: 'Reply templates', fields }], flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
};
