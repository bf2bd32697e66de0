import type { Chat, DigestMessage, PostedMessage } from '../chat/chat.js';
import { collectDigest, type DigestSources } from './collect-digest.js';
import { renderDigestMarkdown } from './render-digest.js';
import { previousWeek, weekBefore, type Week } from './week.js';

/** Collects and renders one week's digest. The same week gives the same digest, whenever it is run. */
export async function buildDigest(sources: DigestSources, week: Week, timeZone: string): Promise<DigestMessage> {
  const digest = await digestText(sources, week, timeZone);
  // The renderer (a native addon) is loaded with the first chart, not by every command that imports this.
  const { renderChartPng } = await import('./chart.js');
  return { ...digest, chartPng: renderChartPng(digest.data) };
}

/** {@link buildDigest} without the chart, for output that does not show it (the Markdown, the CSV). */
export async function digestText(sources: DigestSources, week: Week, timeZone: string): Promise<Omit<DigestMessage, 'chartPng'>> {
  const data = await collectDigest(sources, week, weekBefore(week, timeZone), timeZone);
  return { data, markdown: renderDigestMarkdown(data) };
}

/**
 * The scheduled job's work: the last complete week's digest, posted once (a restart or a second
 * tick the same Monday does not post it again; the nonce covers a crash mid-post).
 */
export async function postWeeklyDigest(chat: Chat, sources: DigestSources, now: number, timeZone: string): Promise<{ week: string; posted: PostedMessage | undefined }> {
  const week = previousWeek(now, timeZone);
  if (!chat.postDigest || await sources.queries.wasPosted(week.label)) return { week: week.label, posted: undefined };
  const posted = await chat.postDigest(await buildDigest(sources, week, timeZone), `triage-digest-${week.label}`);
  await sources.queries.markPosted(week.label, posted.messageId, now);
  return { week: week.label, posted };
}
