import { ratingLabel, shownLanguage, type AlertCard } from '../chat.js';
import type { QueueSummary } from '../../store/store-port.js';
import { URGENCIES } from '../../domain/classification.js';
import { count, isValidTime, safeUrl, terminalLine, terminalText } from '../sanitize.js';

/** One formatter per time zone: building an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** "2026-11-20 10:00 EST", or "unknown time" for a time no calendar can show. */
export function formatTime(ms: number, timeZone: string): string {
  if (!isValidTime(ms)) return 'unknown time';
  try {
    const parts = formatterFor(timeZone).formatToParts(new Date(ms));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
  } catch {
    return new Date(ms).toISOString();
  }
}

/** "in 3 h 5 min" / "12 min ago". */
export function formatRelative(ms: number, now: number): string {
  if (!isValidTime(ms) || !isValidTime(now)) return 'at an unknown time';
  const minutes = Math.round(Math.abs(ms - now) / 60_000);
  const span = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.round(minutes / 1440)} days`;
  return ms >= now ? `in ${span}` : `${span} ago`;
}

/**
 * A readable plain-text alert card for the terminal. Each piece of outside text is one safe line,
 * and the whole card passes the terminal sanitiser again: no escape sequence or control character
 * but the newlines we put there reaches the screen.
 */
export function renderConsoleCard(card: AlertCard, now: number, timeZone: string): string {
  const { alert, replies } = card;
  const m = alert.mention;
  const urgency = terminalLine(alert.urgency, 20).toUpperCase();
  const who = [m.authorName ? terminalLine(m.authorName, 60) : undefined, m.authorFollowers != null ? `${count(m.authorFollowers)} followers` : undefined]
    .filter(Boolean)
    .join(' · ');
  const url = safeUrl(m.url);
  const rating = ratingLabel(m);
  const categories = Array.isArray(alert.categories) ? alert.categories.slice(0, 20).map((c) => terminalLine(c, 40)).join(', ') : '';
  const lines = [
    `── #${alert.id} ${urgency} ${'─'.repeat(Math.max(4, 60 - String(alert.id).length - urgency.length))}`,
    `@${terminalLine(m.authorHandle, 40)}${who ? ` (${who})` : ''} · ${terminalLine(m.platform, 40)}${card.account !== undefined ? ` · account: ${terminalLine(card.account, 100)}` : ''}${rating !== undefined ? ` · ${rating}` : ''} · ${formatTime(m.createdAt, timeZone)}${url ? ` · ${terminalLine(url, 200)}` : ''}`,
  ];
  if (m.inReplyToText) lines.push(`  ↳ replying to: "${terminalLine(m.inReplyToText, 160)}"`);
  lines.push(`  "${terminalLine(m.text)}"`);
  lines.push(`  categories: ${categories || '–'} · sentiment: ${terminalLine(alert.sentiment, 20)} (${terminalLine(alert.score, 20)})${shownLanguage(alert).replace(' · ', ' · language: ')}`);
  for (const reason of (Array.isArray(alert.reasons) ? alert.reasons : []).slice(0, 6)) lines.push(`  · ${terminalLine(reason, 200)}`);
  if (alert.firstResponseDueAt !== null) {
    lines.push(`  SLA: first response due ${formatTime(alert.firstResponseDueAt, timeZone)} (${formatRelative(alert.firstResponseDueAt, now)})` +
      (alert.resolutionDueAt !== null ? `, resolve by ${formatTime(alert.resolutionDueAt, timeZone)}` : ''));
  } else {
    lines.push('  SLA: no target for this urgency');
  }
  if (replies.length > 0) {
    lines.push('  suggested replies:');
    replies.forEach((reply, i) => {
      lines.push(`   ${i + 1}. [${terminalLine(reply.template, 60)}] ${terminalLine(reply.text, 1000)}`);
      lines.push(`      guard: ${reply.guard.ok ? 'ok' : `CHECK: ${terminalLine(reply.guard.problems.join('; '), 500)}`}`);
    });
  }
  return terminalText(lines.join('\n'));
}

export function renderQueueSummary(summary: QueueSummary, now: number, timeZone: string): string {
  const counts = URGENCIES.filter((u) => u !== 'ignore').map((u) => `${u} ${summary.open[u]}`).join(' · ');
  const next = summary.nextDue
    ? `${summary.nextDue.dueAt < now ? 'most overdue' : 'next due'}: #${summary.nextDue.alertId} (${summary.nextDue.urgency}) ${summary.nextDue.kind} ${formatRelative(summary.nextDue.dueAt, now)}, ${formatTime(summary.nextDue.dueAt, timeZone)}`
    : 'nothing due';
  return terminalLine(`Queue: ${summary.total} open alerts (${counts}); ${summary.breached} past first-response target; ${next}`, 2000);
}
