import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** Resolve: nothing more to do. */
export const resolve: ActionHandler = {
  id: 'resolve',
  run: (request, ctx) => actOnAlert(ctx, request, 'resolve'),
};
