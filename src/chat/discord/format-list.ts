import type { AlertView } from '../../domain/alert.js';
import { discordTime, inert, truncate } from '../sanitize.js';

/** One line per alert for lists: id, urgency, author, due or state, assignee, a snippet of the text. */
export function alertLine(alert: AlertView, now: number): string {
  const due = alert.firstResponseAt === null && alert.firstResponseDueAt !== null
    ? `${alert.firstResponseDueAt < now ? 'overdue' : 'due'} ${discordTime(alert.firstResponseDueAt, 'R')}`
    : inert(alert.state, 20);
  const who = alert.assignee ? ` · ${inert(alert.assignee, 40)}` : ' · unclaimed';
  return truncate(`\`#${alert.id}\` **${inert(alert.urgency, 20)}** · ${inert(`@${alert.mention.authorHandle}`, 31)} · ${due}${who} — ${inert(alert.mention.text.replace(/\s+/g, ' '), 80)}`, 300);
}

/** Lines joined under Discord's 4,096-character description limit, saying how many were left out. */
export function joinWithin(lines: readonly string[], max = 3900): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const next = `${out}${out ? '\n' : ''}${lines[i]}`;
    if (next.length > max) return `${out}\n…and ${lines.length - i} more`;
    out = next;
  }
  return out;
}
