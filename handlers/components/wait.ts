import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** Waiting on the customer: counts as a first response and pauses the resolution clock until they write again. */
export const wait: ActionHandler = {
  id: 'wait',
  run: (request, ctx) => actOnAlert(ctx, request, 'wait'),
};
