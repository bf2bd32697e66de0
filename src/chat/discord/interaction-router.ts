import { Events, MessageFlags, type Interaction } from 'discord.js';
import type { CommandHandler, ComponentHandler, HandlerContext } from './handler-types.js';
import { parseCustomId } from './render-alert-card.js';

/** The role ids of the member behind an interaction, whether discord.js cached the member or not. */
function memberRoles(interaction: Interaction): string[] {
  const member = interaction.member;
  if (!member) return [];
  const roles = (member as { roles: unknown }).roles;
  if (Array.isArray(roles)) return roles as string[];
  const cache = (roles as { cache?: Map<string, unknown> })?.cache;
  return cache ? [...cache.keys()] : [];
}

/** Only members with a configured role may act; with none configured, anyone who can see the card may. */
export function mayAct(interaction: Interaction, actorRoleIds: readonly string[]): boolean {
  if (actorRoleIds.length === 0) return true;
  const roles = memberRoles(interaction);
  return actorRoleIds.some((id) => roles.includes(id));
}

/**
 * One dispatcher for every interaction: checks permission, finds the handler, and on any error logs
 * it with context and tells the member (ephemeral) instead of leaving the click hanging.
 */
export function routeInteractions(ctx: HandlerContext, commands: readonly CommandHandler[], components: readonly ComponentHandler[]): void {
  const byCommand = new Map(commands.map((c) => [c.data.name, c]));
  const byPrefix = new Map(components.map((c) => [c.customIdPrefix, c]));
  ctx.chat.client.on(Events.InteractionCreate, async (interaction) => {
    if (!interaction.isChatInputCommand() && !interaction.isButton() && !interaction.isStringSelectMenu()) return;
    const name = interaction.isChatInputCommand() ? `command:${interaction.options.getSubcommand(false) ?? '?'}` : `component:${interaction.customId.slice(0, 40)}`;
    const log = ctx.log.child({ handler: name, interactionId: interaction.id, userId: interaction.user.id });
    try {
      if (!mayAct(interaction, ctx.chat.config.actorRoleIds)) {
        log.info('refused: member lacks the actor role');
        await interaction.reply({ content: 'Only members with the triage role can act on alerts. Ask a lead to give you the role.', flags: MessageFlags.Ephemeral });
        return;
      }
      if (interaction.isChatInputCommand()) {
        const handler = byCommand.get(interaction.options.getSubcommand(false) ?? '');
        if (!handler) throw new Error(`no handler for /${interaction.commandName} ${interaction.options.getSubcommand(false)}`);
        await handler.execute(interaction, ctx);
        return;
      }
      const target = parseCustomId(interaction.customId);
      const handler = target && byPrefix.get(target.action);
      if (!target || !handler) {
        await interaction.reply({ content: 'This button is from an older version of Triage and no longer works.', flags: MessageFlags.Ephemeral });
        return;
      }
      await handler.execute(interaction, ctx, target.alertId);
    } catch (error) {
      log.error({ err: error }, 'interaction handler failed');
      const content = 'Something went wrong handling that; it has been logged. Try again in a moment.';
      try {
        if (interaction.deferred || interaction.replied) await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
        else await interaction.reply({ content, flags: MessageFlags.Ephemeral });
      } catch (replyError) {
        log.warn({ err: replyError }, 'could not tell the member about the failure');
      }
    }
  });
}
