import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** Mark that the author got a first response. */
export const respond: ActionHandler = {
  id: 'respond',
  run: (request, ctx) => actOnAlert(ctx, request, 'respond'),
};
