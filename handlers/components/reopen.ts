import { actOnAlert } from '../../src/chat/act-on-alert.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** Reopen a resolved or dismissed alert. */
export const reopen: ActionHandler = {
  id: 'reopen',
  run: (request, ctx) => actOnAlert(ctx, request, 'reopen'),
};
