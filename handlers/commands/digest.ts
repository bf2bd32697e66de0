import type { CommandHandler } from '../../src/chat/handler-types.js';
import { buildDigest } from '../../src/digest/weekly-digest.js';
import { parseWeek, previousWeek } from '../../src/digest/week.js';

/** `/triage digest [week]`: posts a week's digest (the last complete week by default) in the channel. */
export const digest: CommandHandler = {
  name: 'digest',
  description: 'Post the weekly digest (last complete week, or e.g. 2026-W47)',
  options: [{ name: 'week', description: 'ISO week such as 2026-W47', minLength: 8, maxLength: 8 }],
  // Collecting a week can take longer than a chat's 3 s: acknowledged first.
  slow: true,
  async run(request, ctx) {
    const zone = ctx.timeZone;
    const asked = request.options.week;
    const week = asked ? parseWeek(asked, zone) : previousWeek(ctx.deps.now(), zone);
    if (!week) return { kind: 'text', text: `"${asked}" is not an ISO week like 2026-W47.` };
    return { kind: 'digest', digest: await buildDigest(ctx.digest, week, zone) };
  },
};
