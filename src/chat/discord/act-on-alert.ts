import { MessageFlags, type ButtonInteraction, type StringSelectMenuInteraction } from 'discord.js';
import type { AlertAction, AlertView } from '../../domain/alert.js';
import { cardFor } from '../../pipeline.js';
import type { ActionOptions } from '../../store/sqlite-store.js';
import type { HandlerContext } from './handler-types.js';

/** How an alert's actor is named in the store and on the card: the Discord username. */
export function actorOf(interaction: { user: { username: string } }): string {
  return `@${interaction.user.username}`;
}

export function cardOf(ctx: HandlerContext, alert: AlertView) {
  const grouped = ctx.deps.store.groupMembers(alert.id).map((id) => ctx.deps.store.getAlert(id)).filter((a): a is AlertView => a !== null);
  return { ...cardFor(alert, ctx.deps), grouped };
}

/**
 * Applies an action from a card's button or menu: atomically in the store (one winner when two
 * click at once; the other is told why, privately), to the alerts the card carries too, then
 * redraws the card in place.
 */
export async function actOnAlert(
  interaction: ButtonInteraction | StringSelectMenuInteraction,
  ctx: HandlerContext,
  alertId: number,
  action: AlertAction,
  options: ActionOptions = {},
): Promise<AlertView | undefined> {
  const { store } = ctx.deps;
  const actor = actorOf(interaction);
  const now = ctx.deps.now();
  const withWho: ActionOptions = { ...options, assigneeRef: interaction.user.id, detail: { ...options.detail, discordUserId: interaction.user.id } };
  const result = store.applyAction(alertId, action, actor, now, withWho);
  if (!result.ok) {
    const current = result.alert;
    const content = current && action === 'claim' && current.state === 'claimed' ? `${current.assignee} has this one.` : `Not done: ${result.reason}.`;
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    if (current) await refreshCard(ctx, current);
    return undefined;
  }
  for (const id of store.groupMembers(alertId)) store.applyAction(id, action, actor, now, withWho);
  const { embeds, components } = ctx.chat.renderCard(cardOf(ctx, result.alert));
  await interaction.update({ embeds, components, allowedMentions: { parse: [] } });
  ctx.log.info({ alertId, action, actor, changed: result.changed }, 'alert action');
  return result.alert;
}

/** Redraws a card that may show an outdated state (someone else acted first). */
async function refreshCard(ctx: HandlerContext, alert: AlertView): Promise<void> {
  const message = ctx.deps.store.messageOf(alert.id);
  if (!message || !ctx.chat.updateAlert) return;
  try {
    await ctx.chat.updateAlert(cardOf(ctx, alert), message);
  } catch (error) {
    ctx.log.warn({ alertId: alert.id, err: error }, 'could not refresh the card');
  }
}
