import { MessageFlags } from 'discord.js';
import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';

const REASONS = new Set(['spam', 'not-actionable']);

/** Dismiss as spam or not actionable; the reason goes to the audit log. */
export const dismiss: ComponentHandler = {
  customIdPrefix: 'dismiss',
  async execute(interaction, ctx, alertId) {
    const reason = interaction.isStringSelectMenu() ? interaction.values[0] : undefined;
    if (reason === undefined || !REASONS.has(reason)) {
      await interaction.reply({ content: 'Pick a reason from the menu.', flags: MessageFlags.Ephemeral });
      return;
    }
    await actOnAlert(interaction, ctx, alertId, 'dismiss', { reason });
  },
};
