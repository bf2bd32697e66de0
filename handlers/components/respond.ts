import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';

/** Mark that the author got a first response. */
export const respond: ComponentHandler = {
  customIdPrefix: 'respond',
  async execute(interaction, ctx, alertId) {
    await actOnAlert(interaction, ctx, alertId, 'respond');
  },
};
