import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

const REASONS = new Set(['spam', 'not-actionable']);

/** Dismiss as spam or not actionable; the reason goes to the audit log. */
export const dismiss: ActionHandler = {
  id: 'dismiss',
  run(request, ctx) {
    const reason = request.value;
    if (reason === undefined || !REASONS.has(reason)) return { kind: 'refused', text: 'Pick a reason from the menu.' };
    return actOnAlert(ctx, request, 'dismiss', { reason });
  },
};
