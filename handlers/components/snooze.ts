import { MessageFlags } from 'discord.js';
import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';
import { nextBusinessMorning } from '../../src/triage/business-time.js';

/** Snooze reminders for 1 h, 4 h or until the next business morning. The SLA clock keeps running. */
export const snooze: ComponentHandler = {
  customIdPrefix: 'snooze',
  async execute(interaction, ctx, alertId) {
    const choice = interaction.isStringSelectMenu() ? interaction.values[0] : undefined;
    const now = ctx.deps.now();
    const until = choice === '1h' ? now + 3600_000 : choice === '4h' ? now + 4 * 3600_000 : choice === 'morning' ? nextBusinessMorning(now, ctx.timeZone) : undefined;
    if (until === undefined) {
      await interaction.reply({ content: 'Pick how long to snooze from the menu.', flags: MessageFlags.Ephemeral });
      return;
    }
    await actOnAlert(interaction, ctx, alertId, 'snooze', { snoozeUntil: until });
  },
};
