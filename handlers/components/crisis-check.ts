import { correctLabel } from '../../src/chat/correct-label.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** A possible crisis, confirmed by a person: the card offers the crisis runbook reply from now on. */
export const confirmCrisis: ActionHandler = {
  id: 'crisis-yes',
  run: (request, ctx) => correctLabel(ctx, request, { kind: 'category', category: 'crisis', present: true }),
};

/** A possible crisis, cleared by a person: recorded, and the card stops asking. */
export const clearCrisis: ActionHandler = {
  id: 'crisis-no',
  run: (request, ctx) => correctLabel(ctx, request, { kind: 'category', category: 'crisis', present: false }),
};
