import type { ActionHandler } from '../handler-types.js';

/** The kind of the notification that carries an escalation to Teams: `escalated-<epoch ms>`. */
const ESCALATED = 'escalated-';

/** Whether an SLA notification is an escalation someone made (not an SLA event). */
export function isEscalationNotice(kind: string): boolean {
  return kind.startsWith(ESCALATED);
}

/**
 * Teams cannot be told in place (its cards only open links), so an escalation made anywhere
 * (a Discord or Slack button, the console) is queued as a notification for the SLA sweep, which
 * posts it on Teams once, through Teams' own outbox (throttling and restarts included). The chats
 * in `settledIn` announce escalations where they happen and are recorded as having it.
 */
export function announcingOnTeams(actions: readonly ActionHandler[], settledIn: readonly string[]): ActionHandler[] {
  return actions.map((handler) => ({
    ...handler,
    async run(request, ctx) {
      const outcome = await handler.run(request, ctx);
      if (outcome.kind === 'card' && outcome.announce === 'escalation') {
        const now = ctx.deps.now();
        await ctx.deps.store.deliveries.queueNotice(outcome.alert.id, `${ESCALATED}${now}`, now, settledIn);
      }
      return outcome;
    },
  }));
}
