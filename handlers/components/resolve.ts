import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';

/** Resolve: nothing more to do. */
export const resolve: ComponentHandler = {
  customIdPrefix: 'resolve',
  async execute(interaction, ctx, alertId) {
    await actOnAlert(interaction, ctx, alertId, 'resolve');
  },
};
