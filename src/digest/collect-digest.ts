import { z } from 'zod';
import type { Sentiment } from '../domain/classification.js';
import type { DigestRepository, Store } from '../store/store-port.js';
import type { PolicyBook } from '../triage/policy-book.js';
import { alertFigures, buildSlaReport, percentile, type SlaAlertFigures } from '../triage/sla-report.js';
import { compileThemes, PRAISE_QUOTED, quoteOf, tallyThemes } from './mention-facts.js';
import type { Week } from './week.js';
import { URGENCIES } from '../domain/classification.js';
import type { RecordedCorrection } from '../store/corrections.js';
import type { AccountDirectory } from '../accounts.js';
import type { Lexicon } from '../classify/lexicon.js';
import { createRedactor } from './redact.js';

/** Shape of `data/themes.json`. */
export const themesSchema = z.object({
  $comment: z.string().optional(),
  themes: z.array(z.object({ name: z.string().min(1), match: z.array(z.string().min(1)).min(1) })).min(1),
});
export type ThemesFile = z.infer<typeof themesSchema>;

export interface DigestDay {
  date: string;
  total: number;
  sentiment: Record<Sentiment, number>;
  /** Share of that day's alerts with a target that were answered within it, or null with none decided. */
  slaWithin: number | null;
}

/** Everything a weekly digest says, as plain data: rendering is separate. Quotes are already redacted. */
export interface DigestData {
  week: string;
  from: number;
  to: number;
  timeZone: string;
  days: DigestDay[];
  total: number;
  previousTotal: number;
  bySource: Record<string, number>;
  /** Per account, by its display name: mentions, negative ones, alerts, alerts answered. */
  byAccount: Array<{ account: string; name: string; mentions: number; negative: number; alerts: number; answered: number }>;
  sentiment: Record<Sentiment, number>;
  previousSentiment: Record<Sentiment, number>;
  categories: Record<string, number>;
  /** Mentions and alerts by detected language (`en`, `es`, `mixed`, `other`), most mentions first. */
  languages: Record<string, { mentions: number; alerts: number }>;
  themes: Array<{ name: string; count: number; example: string | null }>;
  sla: Array<{ urgency: string; alerts: number; withTarget: number; withinTarget: number; medianMinutes: number | null; p90Minutes: number | null }>;
  breaches: Array<{ id: number; urgency: string; url: string | null }>;
  breachCount: number;
  overdue: { count: number; oldest: Array<{ id: number; urgency: string; dueAt: number; url: string | null }> };
  crisis: { count: number; answered: number; medianMinutes: number | null };
  praise: string[];
  cadence: { perDay: Array<{ date: string; originals: number; replies: number }>; originals: number; replies: number; daysWithoutPost: number; busiestDay: number };
  xReads: { reads: number; requests: number; costUsd: number } | null;
  /** What people corrected on cards this week ("Wrong label?"): counts by kind, never the posts. */
  corrections: { total: number; urgencyRaised: number; urgencyLowered: number; added: Record<string, number>; removed: Record<string, number> };
}

export interface DigestSources {
  store: Store;
  queries: DigestRepository;
  policies: PolicyBook;
  themes: ThemesFile;
  redact: (text: string) => string;
  /** Display names of the accounts; absent: accounts are shown by id. */
  accounts?: Pick<AccountDirectory, 'nameOf'>;
}

/** The digest's sources over an open store and its policy book, with the themes and the lexicon's health words for redacting quotes. */
export function digestSources(base: { store: Store; policies: PolicyBook }, files: { themes: ThemesFile; lexicon: Lexicon }, accounts?: Pick<AccountDirectory, 'nameOf'>): DigestSources {
  return { store: base.store, queries: base.store.digestQueries, policies: base.policies, themes: files.themes, redact: createRedactor(files.lexicon), ...(accounts && { accounts }) };
}

/**
 * Gathers a week's digest. Everything is "as of" the end of the week, so the same week always gives
 * the same digest, whenever it is run.
 */
export async function collectDigest(sources: DigestSources, week: Week, previous: Week, timeZone: string): Promise<DigestData> {
  const { store, queries, policies, redact } = sources;
  const asOf = week.to;

  const days: DigestDay[] = week.dates.map((date) => ({ date, total: 0, sentiment: { negative: 0, neutral: 0, positive: 0 }, slaWithin: null }));
  const bySource: Record<string, number> = {};
  let total = 0;
  for (const row of await queries.volume(week.dayStarts)) {
    const day = days[row.day] as DigestDay;
    day.total += row.n;
    day.sentiment[row.sentiment] += row.n;
    bySource[row.source] = (bySource[row.source] ?? 0) + row.n;
    total += row.n;
  }
  const previousSentiment = await queries.sentimentMix(previous.from, previous.to);

  const themes = tallyThemes(await queries.complaints(week.from, week.to), compileThemes(sources.themes), redact);

  const figures: SlaAlertFigures[] = [];
  for await (const chunk of store.slaRowChunks(week.from, week.to)) {
    for (const row of chunk) figures.push(alertFigures(row, policies.calendarOf(row), asOf));
  }
  const report = await buildSlaReport(figures, week.from, week.to);
  days.forEach((day, i) => {
    const start = week.dayStarts[i] as number;
    const end = week.dayStarts[i + 1] as number;
    const decided = figures.filter((f) => f.row.arrivedAt >= start && f.row.arrivedAt < end && f.firstResponseWithinTarget !== null);
    day.slaWithin = decided.length === 0 ? null : decided.filter((f) => f.firstResponseWithinTarget).length / decided.length;
  });
  const shownBreaches = report.total.breaches.slice(0, 10);
  const urls = await store.urlsOf(shownBreaches.map((b) => b.id));

  const crisis = await queries.crisis(week.from, week.to);
  const answeredCrisis = crisis.map((c) => c.firstResponseMinutes).filter((m): m is number => m !== null);

  const posts = await queries.ownPosts(week.dayStarts);
  // X's one-account settings poll as "x", accounts from the file as "x:<id>".
  const reads = (await queries.reads(week.dates[0] as string, week.dates[6] as string)).filter((r) => r.source === 'x' || r.source.startsWith('x:'));

  return {
    week: week.label,
    from: week.from,
    to: week.to,
    timeZone,
    days,
    total,
    previousTotal: previousSentiment.negative + previousSentiment.neutral + previousSentiment.positive,
    bySource,
    byAccount: (await queries.byAccount(week.from, week.to)).map((row) => ({ ...row, name: sources.accounts?.nameOf(row.account) ?? row.account })),
    sentiment: days.reduce((mix, d) => ({ negative: mix.negative + d.sentiment.negative, neutral: mix.neutral + d.sentiment.neutral, positive: mix.positive + d.sentiment.positive }), { negative: 0, neutral: 0, positive: 0 }),
    previousSentiment,
    categories: await queries.categories(week.from, week.to),
    languages: await queries.languages(week.from, week.to),
    themes: themes.filter((t) => t.count > 0).sort((a, b) => b.count - a.count).map(({ name, count, example }) => ({ name, count, example })),
    sla: report.byUrgency.map((g) => ({ urgency: g.key, alerts: g.alerts, withTarget: g.withTarget, withinTarget: g.withinTarget, medianMinutes: g.firstResponse.wall.median, p90Minutes: g.firstResponse.wall.p90 })),
    breaches: shownBreaches.map((b) => ({ id: b.id, urgency: b.urgency, url: urls.get(b.id) ?? null })),
    breachCount: report.total.breaches.length,
    overdue: await queries.overdue(asOf, 5),
    crisis: { count: crisis.length, answered: answeredCrisis.length, medianMinutes: percentile(Float64Array.from(answeredCrisis).sort(), 0.5) },
    praise: (await queries.praise(week.from, week.to, PRAISE_QUOTED)).map((p) => p.purgedQuote ?? quoteOf(redact, p.text)),
    cadence: {
      perDay: posts.map((p, i) => ({ date: week.dates[i] as string, originals: p.originals, replies: p.replies })),
      originals: posts.reduce((n, p) => n + p.originals, 0),
      replies: posts.reduce((n, p) => n + p.replies, 0),
      daysWithoutPost: posts.filter((p) => p.originals === 0).length,
      busiestDay: Math.max(0, ...posts.map((p) => p.originals)),
    },
    corrections: countCorrections(await store.corrections.between(week.from, week.to)),
    xReads: reads.length === 0 ? null : {
      reads: reads.reduce((n, r) => n + r.reads, 0),
      requests: reads.reduce((n, r) => n + r.requests, 0),
      // The X price list comes with the X source (and its client): loaded only when X was read.
      costUsd: (await import('../sources/x/x-usage.js')).estimateXCost(reads.map((r) => ({ ...r, source: 'x' }))),
    },
  };
}

/** Corrections by kind; "raised" means towards critical. */
function countCorrections(corrections: readonly RecordedCorrection[]): DigestData['corrections'] {
  const counts: DigestData['corrections'] = { total: corrections.length, urgencyRaised: 0, urgencyLowered: 0, added: {}, removed: {} };
  const rank = (u: string | null) => (u === null ? -1 : URGENCIES.indexOf(u as (typeof URGENCIES)[number]));
  for (const { correction, previous } of corrections) {
    if (correction.kind === 'urgency') {
      if (rank(correction.urgency) < rank(previous)) counts.urgencyRaised++;
      else counts.urgencyLowered++;
    } else {
      const side = correction.present ? counts.added : counts.removed;
      side[correction.category] = (side[correction.category] ?? 0) + 1;
    }
  }
  return counts;
}
