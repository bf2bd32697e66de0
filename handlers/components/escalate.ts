import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert, actorOf } from '../../src/chat/discord/act-on-alert.js';

/** Escalate: note it on the alert and ping the lead role (only that role) in the urgent channel. */
export const escalate: ComponentHandler = {
  customIdPrefix: 'escalate',
  async execute(interaction, ctx, alertId) {
    const alert = await actOnAlert(interaction, ctx, alertId, 'escalate');
    if (!alert) return;
    const config = ctx.chat.config;
    const channel = config.urgentChannelId ?? config.alertChannelId;
    if (!channel) return;
    const lead = config.leadRoleId;
    const card = ctx.deps.store.messageOf(alertId);
    const link = card && interaction.guildId ? ` https://discord.com/channels/${interaction.guildId}/${card.channelId}/${card.messageId}` : '';
    const who = lead ? `<@&${lead}> ` : '';
    await ctx.chat.postText(channel, `${who}escalation: alert #${alertId} (${alert.urgency}) escalated by ${actorOf(interaction)}.${link}`, lead ? [lead] : []);
  },
};
