import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** Claim the alert: you answer it. */
export const claim: ActionHandler = {
  id: 'claim',
  run: (request, ctx) => actOnAlert(ctx, request, 'claim'),
};
