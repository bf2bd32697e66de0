import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';

/** Waiting on the customer: counts as a first response and pauses the resolution clock until they write again. */
export const wait: ComponentHandler = {
  customIdPrefix: 'wait',
  async execute(interaction, ctx, alertId) {
    await actOnAlert(interaction, ctx, alertId, 'wait');
  },
};
