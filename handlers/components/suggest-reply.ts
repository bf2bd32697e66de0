import { MessageFlags } from 'discord.js';
import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { cardFor } from '../../src/pipeline.js';

/** Shows the chosen suggested reply filled in, privately, ready to copy, with the guard's verdict. */
export const suggestReply: ComponentHandler = {
  customIdPrefix: 'reply',
  async execute(interaction, ctx, alertId) {
    const alert = ctx.deps.store.getAlert(alertId);
    const chosen = interaction.isStringSelectMenu() ? interaction.values[0] : undefined;
    const reply = alert ? cardFor(alert, ctx.deps).replies.find((r) => r.template === chosen) : undefined;
    if (!reply) {
      await interaction.reply({ content: 'That reply is no longer offered for this alert.', flags: MessageFlags.Ephemeral });
      return;
    }
    const verdict = reply.guard.ok
      ? 'Reply guard: ok (no patient confirmation, no health details, fits X).'
      : `Reply guard: **check before posting**: ${reply.guard.problems.join('; ')}`;
    await interaction.reply({
      content: `Suggested reply (${reply.template}):\n\`\`\`\n${reply.text.replace(/`/g, "'")}\n\`\`\`\n${verdict}`,
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  },
};
