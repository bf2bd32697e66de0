import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';

/** Reopen a resolved or dismissed alert. */
export const reopen: ComponentHandler = {
  customIdPrefix: 'reopen',
  async execute(interaction, ctx, alertId) {
    await actOnAlert(interaction, ctx, alertId, 'reopen');
  },
};
