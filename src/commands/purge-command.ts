import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createDigestFacts } from '../digest/mention-facts.js';
import { createApp } from '../app.js';
import { RetentionStore, retentionCutoff } from '../store/retention.js';
import type { CommandIo } from './command.js';

const USAGE = 'usage: triage purge --author HANDLE [--platform x]   or   triage purge --retention\n';

/**
 * `triage purge --author HANDLE [--platform P]`: erases one person's posts on request (text and
 * identity, whatever their alerts' state; the anonymous numbers stay). `triage purge --retention`:
 * the daily retention job, once, now. Both print what they touched and are recorded in `purges`.
 */
export async function purgeCommand(io: CommandIo, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { author: { type: 'string' }, platform: { type: 'string' }, retention: { type: 'boolean' } } });
  const byAuthor = values.author !== undefined;
  if (positionals.length > 0 || byAuthor === (values.retention === true) || (values.platform !== undefined && !byAuthor)) {
    io.stderr.write(USAGE);
    return 2;
  }
  const handle = (values.author ?? '').trim().replace(/^@/, '');
  if (byAuthor && handle === '') {
    io.stderr.write(`triage purge: --author needs a handle\n${USAGE}`);
    return 2;
  }
  const app = await createApp(loadConfig(io.env, io.cwd));
  try {
    const store = app.store.retention;
    const factsOf = createDigestFacts(app.digest, app.data.policy.timezone);
    const now = app.deps.now();
    if (byAuthor) {
      const result = await store.purgeAuthor({ handle, ...(values.platform !== undefined && { platform: values.platform }), now, factsOf });
      const where = values.platform === undefined ? 'on every platform' : `on ${values.platform}`;
      io.stdout.write(
        result.mentions === 0
          ? `No stored posts by @${handle} ${where}; the request is recorded as purge #${result.purgeId}.\n`
          : `Purged @${handle} ${where}: ${result.mentions} posts (${result.alerts} with alerts) and ${result.replyTexts} quotes of them in replies; recorded as purge #${result.purgeId}.\n`,
      );
      return 0;
    }
    const days = app.config.retentionDays;
    const cutoff = retentionCutoff(now, days);
    const result = await store.purgeExpired({ cutoff, now, factsOf, signal: io.signal });
    io.stdout.write(`Retention (${days} days, posts before ${new Date(cutoff).toISOString()}): purged ${result.mentions} posts (${result.alerts} with closed alerts); recorded as purge #${result.purgeId}.\n`);
    return 0;
  } finally {
    await app.close();
  }
}
