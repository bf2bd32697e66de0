import type { AlertCard } from '../chat.js';
import type { QueueSummary } from '../../store/sqlite-store.js';
import { URGENCIES } from '../../domain/classification.js';

// Control characters (ANSI escapes included) and bidi overrides would let a post repaint the terminal.
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Text from outside, made safe to print: no control characters, one line, at most `max` characters. */
export function terminalSafe(text: string, max = 500): string {
  const flat = text.replace(UNSAFE, '').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

export function formatTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

/** "in 3 h 5 min" / "12 min ago". */
export function formatRelative(ms: number, now: number): string {
  const minutes = Math.round(Math.abs(ms - now) / 60_000);
  const span = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.round(minutes / 1440)} days`;
  return ms >= now ? `in ${span}` : `${span} ago`;
}

/** A readable plain-text alert card for the terminal. */
export function renderConsoleCard(card: AlertCard, now: number, timeZone: string): string {
  const { alert, replies } = card;
  const m = alert.mention;
  const who = [m.authorName ? terminalSafe(m.authorName, 60) : undefined, m.authorFollowers != null ? `${m.authorFollowers.toLocaleString('en-US')} followers` : undefined]
    .filter(Boolean)
    .join(' · ');
  const lines = [
    `── #${alert.id} ${alert.urgency.toUpperCase()} ${'─'.repeat(Math.max(4, 60 - String(alert.id).length - alert.urgency.length))}`,
    `@${terminalSafe(m.authorHandle, 40)}${who ? ` (${who})` : ''} · ${m.platform} · ${formatTime(m.createdAt, timeZone)}${m.url ? ` · ${terminalSafe(m.url, 120)}` : ''}`,
  ];
  if (m.inReplyToText) lines.push(`  ↳ replying to: "${terminalSafe(m.inReplyToText, 160)}"`);
  lines.push(`  "${terminalSafe(m.text)}"`);
  lines.push(`  categories: ${alert.categories.join(', ') || '–'} · sentiment: ${alert.sentiment} (${alert.score})`);
  for (const reason of alert.reasons.slice(0, 6)) lines.push(`  · ${terminalSafe(reason, 200)}`);
  if (alert.firstResponseDueAt !== null) {
    lines.push(`  SLA: first response due ${formatTime(alert.firstResponseDueAt, timeZone)} (${formatRelative(alert.firstResponseDueAt, now)})` +
      (alert.resolutionDueAt !== null ? `, resolve by ${formatTime(alert.resolutionDueAt, timeZone)}` : ''));
  } else {
    lines.push('  SLA: no target for this urgency');
  }
  if (replies.length > 0) {
    lines.push('  suggested replies:');
    replies.forEach((reply, i) => {
      lines.push(`   ${i + 1}. [${reply.template}] ${reply.text}`);
      lines.push(`      guard: ${reply.guard.ok ? 'ok' : `CHECK: ${reply.guard.problems.join('; ')}`}`);
    });
  }
  return lines.join('\n');
}

export function renderQueueSummary(summary: QueueSummary, now: number, timeZone: string): string {
  const counts = URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · ');
  const next = summary.nextDue
    ? `${summary.nextDue.dueAt < now ? 'most overdue' : 'next due'}: #${summary.nextDue.alertId} (${summary.nextDue.urgency}) ${summary.nextDue.kind} ${formatRelative(summary.nextDue.dueAt, now)}, ${formatTime(summary.nextDue.dueAt, timeZone)}`
    : 'nothing due';
  return `Queue: ${summary.total} open alerts (${counts}); ${summary.breached} past first-response target; ${next}`;
}
