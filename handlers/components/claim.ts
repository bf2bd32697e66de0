import type { ComponentHandler } from '../../src/chat/discord/handler-types.js';
import { actOnAlert } from '../../src/chat/discord/act-on-alert.js';

/** Claim the alert: you answer it. */
export const claim: ComponentHandler = {
  customIdPrefix: 'claim',
  async execute(interaction, ctx, alertId) {
    await actOnAlert(interaction, ctx, alertId, 'claim');
  },
};
