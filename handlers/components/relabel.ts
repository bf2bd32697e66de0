import { correctLabel, parseCorrection } from '../../src/chat/correct-label.js';
import type { ActionHandler } from '../../src/chat/handler-types.js';

/** "Wrong label?": the urgency or a category the classifier should have given; recorded with who and when. */
export const relabel: ActionHandler = {
  id: 'relabel',
  run(request, ctx) {
    const correction = parseCorrection(request.value);
    if (!correction) return { kind: 'refused', text: 'Pick the label it should have from the menu.' };
    return correctLabel(ctx, request, correction);
  },
};
