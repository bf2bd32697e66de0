import type { AlertAction, AlertView } from '../domain/alert.js';
import { alertsOf, cardFor } from '../pipeline.js';
import type { ActionOptions } from '../store/store-port.js';
import type { AlertCard } from './chat.js';
import type { ActionOutcome, ActionRequest, HandlerContext } from './handler-types.js';

/** The card of an alert as it stands, with the alerts a storm card carries. */
export async function cardOf(ctx: Pick<HandlerContext, 'deps'>, alert: AlertView): Promise<AlertCard> {
  const grouped = await alertsOf(ctx.deps.store, await ctx.deps.store.groupMembers(alert.id));
  return { ...(await cardFor(alert, ctx.deps)), grouped };
}

/**
 * Applies an action from a card atomically in the store (one winner when two click at once; the
 * other is told why), to the alerts the card carries too. Whoever acted, on whichever chat, is in
 * the audit log.
 */
export async function actOnAlert(ctx: HandlerContext, request: ActionRequest, action: AlertAction, options: ActionOptions = {}): Promise<ActionOutcome> {
  const { store } = ctx.deps;
  const { actor, alertId } = request;
  const now = ctx.deps.now();
  const withWho: ActionOptions = { ...options, assigneeRef: actor.ref, detail: { ...options.detail, chat: actor.chat, userId: actor.ref } };
  const result = await store.applyAction(alertId, action, actor.name, now, withWho);
  if (!result.ok) {
    const current = result.alert ?? undefined;
    const text = current && action === 'claim' && current.state === 'claimed' ? `${current.assignee} has this one.` : `Not done: ${result.reason}.`;
    return { kind: 'refused', text, current };
  }
  for (const id of await store.groupMembers(alertId)) await store.applyAction(id, action, actor.name, now, withWho);
  // Several chats: the card is redrawn in the others (this chat redraws it in its answer).
  if (result.changed) {
    await store.deliveries.markStale(alertId, actor.chat);
    ctx.deps.onCardsChanged?.();
  }
  ctx.log.info({ alertId, action, actor: actor.name, chat: actor.chat, changed: result.changed }, 'alert action');
  return { kind: 'card', alert: result.alert };
}
