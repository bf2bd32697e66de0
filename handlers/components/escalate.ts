import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** Escalate: note it on the alert, and the chat tells the leads (pinging only their role or group). */
export const escalate: ActionHandler = {
  id: 'escalate',
  async run(request, ctx) {
    const outcome = await actOnAlert(ctx, request, 'escalate');
    return outcome.kind === 'card' ? { ...outcome, announce: 'escalation' } : outcome;
  },
};
