/**
 * Every card action, `/triage` subcommand and scheduled job, listed explicitly. Chat-neutral: each
 * chat adapter routes its own interactions to these. `assertUniqueHandlers` runs at start-up so
 * two files cannot claim the same name.
 */
import type { ActionHandler, CommandHandler, JobHandler } from '../src/chat/handler-types.js';
import type { BotContext } from '../src/scheduler.js';
import { poll } from './jobs/poll.js';
import { retention } from './jobs/retention.js';
import { sendRepliesJob } from './jobs/send-replies.js';
import { slaSweep } from './jobs/sla-sweep.js';
import { weeklyDigest } from './jobs/weekly-digest.js';
import { digest } from './commands/digest.js';
import { find } from './commands/find.js';
import { queue } from './commands/queue.js';
import { sla } from './commands/sla.js';
import { templates } from './commands/templates.js';
import { claim } from './components/claim.js';
import { clearCrisis, confirmCrisis } from './components/crisis-check.js';
import { dismiss } from './components/dismiss.js';
import { escalate } from './components/escalate.js';
import { relabel } from './components/relabel.js';
import { approveReplyAction, rejectReplyAction } from './components/reply-review.js';
import { reopen } from './components/reopen.js';
import { resolve } from './components/resolve.js';
import { respond } from './components/respond.js';
import { snooze } from './components/snooze.js';
import { suggestReply } from './components/suggest-reply.js';
import { wait } from './components/wait.js';

export const commands: readonly CommandHandler[] = [queue, sla, find, templates, digest];
export const actions: readonly ActionHandler[] = [claim, respond, wait, resolve, reopen, escalate, snooze, dismiss, suggestReply, relabel, confirmCrisis, clearCrisis, approveReplyAction, rejectReplyAction];
export const jobs: readonly JobHandler<BotContext>[] = [poll, slaSweep, weeklyDigest, retention, sendRepliesJob];

export function assertUniqueHandlers(): void {
  const seen = new Set<string>();
  for (const name of [...commands.map((c) => `command:${c.name}`), ...actions.map((a) => `action:${a.id}`), ...jobs.map((j) => `job:${j.name}`)]) {
    if (seen.has(name)) throw new Error(`two handlers claim ${name}`);
    seen.add(name);
  }
}
