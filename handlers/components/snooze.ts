import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';
import { nextBusinessMorning } from '../../src/triage/business-time.js';

/** Snooze reminders for 1 h, 4 h or until the next business morning. The SLA clock keeps running. */
export const snooze: ActionHandler = {
  id: 'snooze',
  run(request, ctx) {
    const now = ctx.deps.now();
    const choice = request.value;
    const until = choice === '1h' ? now + 3600_000 : choice === '4h' ? now + 4 * 3600_000 : choice === 'morning' ? nextBusinessMorning(now, ctx.timeZone) : undefined;
    if (until === undefined) return { kind: 'refused', text: 'Pick how long to snooze from the menu.' };
    return actOnAlert(ctx, request, 'snooze', { snoozeUntil: until });
  },
};
