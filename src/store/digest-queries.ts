import type Database from 'better-sqlite3';
import type { Sentiment } from '../domain/classification.js';
import { REPORT_LINK_SQL } from './post-links.js';

/**
 * Alerts still waiting for a first response at `?` although their target passed (`?` twice: as of).
 * Answered from the partial index `alerts_overdue`; the state is compared as an expression so that
 * the (state, due) index, which holds every answered alert in history, is not chosen instead.
 */
export const OVERDUE_WHERE = `a.first_response_at IS NULL AND a.dismissed_at IS NULL AND a.first_response_due_at < ? AND (a.state || '') IN ('open', 'claimed', 'responded', 'snoozed') AND a.arrived_at < ?`;

/** The brand's posts counted per local day (by the given day boundaries): replies and originals. */
export function ownPostsByDay(dayStarts: readonly number[], rows: ReadonlyArray<{ at: number; reply: unknown }>): Array<{ day: number; replies: number; originals: number }> {
  const out = dayStarts.slice(0, -1).map((_, day) => ({ day, replies: 0, originals: 0 }));
  for (const row of rows) {
    const day = dayStarts.findIndex((start, i) => i + 1 < dayStarts.length && row.at >= start && row.at < (dayStarts[i + 1] as number));
    const bucket = out[day];
    if (!bucket) continue;
    if (row.reply) bucket.replies++;
    else bucket.originals++;
  }
  return out;
}

/** The read-only queries behind the weekly digest. Each aggregates in SQLite and returns few rows. */
export class DigestQueries {
  constructor(private readonly db: Database.Database) {}

  /** Mentions per local day (by the given day boundaries), source and sentiment. */
  async volume(dayStarts: readonly number[]): Promise<Array<{ day: number; source: string; sentiment: Sentiment; n: number }>> {
    const cases = dayStarts.slice(1, -1).map((_, i) => `WHEN m.created_at < @d${i + 1} THEN ${i}`).join(' ');
    const params: Record<string, number> = { from: dayStarts[0] as number, to: dayStarts[dayStarts.length - 1] as number };
    dayStarts.forEach((d, i) => (params[`d${i}`] = d));
    return this.db.prepare(`
      SELECT CASE ${cases} ELSE ${dayStarts.length - 2} END AS day, m.platform || ':' || COALESCE(m.stream, '') AS source, c.sentiment, COUNT(*) AS n
      FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= @from AND m.created_at < @to
      GROUP BY day, source, c.sentiment`).all(params) as Array<{ day: number; source: string; sentiment: Sentiment; n: number }>;
  }

  /** Per account (the platform's name for mentions stored before accounts): mentions, negative ones, alerts, and alerts answered. */
  async byAccount(from: number, to: number): Promise<Array<{ account: string; mentions: number; negative: number; alerts: number; answered: number }>> {
    return this.db.prepare(`
      SELECT COALESCE(m.account, m.platform) AS account, COUNT(*) AS mentions,
             SUM(CASE WHEN c.sentiment = 'negative' THEN 1 ELSE 0 END) AS negative,
             COUNT(a.id) AS alerts, SUM(CASE WHEN a.first_response_at IS NOT NULL THEN 1 ELSE 0 END) AS answered
      FROM mentions m JOIN classifications c ON c.mention_id = m.id LEFT JOIN alerts a ON a.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ?
      GROUP BY COALESCE(m.account, m.platform) ORDER BY mentions DESC, account`).all(from, to) as Array<{ account: string; mentions: number; negative: number; alerts: number; answered: number }>;
  }

  async sentimentMix(from: number, to: number): Promise<Record<Sentiment, number>> {
    const mix: Record<Sentiment, number> = { negative: 0, neutral: 0, positive: 0 };
    for (const row of this.db.prepare(`SELECT c.sentiment, COUNT(*) AS n FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? GROUP BY c.sentiment`).all(from, to) as Array<{ sentiment: Sentiment; n: number }>) {
      mix[row.sentiment] = row.n;
    }
    return mix;
  }

  async categories(from: number, to: number): Promise<Record<string, number>> {
    const rows = this.db.prepare(`SELECT j.value AS category, COUNT(*) AS n FROM mentions m JOIN classifications c ON c.mention_id = m.id, json_each(c.categories) j
      WHERE m.created_at >= ? AND m.created_at < ? GROUP BY j.value ORDER BY n DESC`).all(from, to) as Array<{ category: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.category, r.n]));
  }

  /** Mentions and the alerts they raised, by detected language (`en`, `es`, `mixed`, `other`). */
  async languages(from: number, to: number): Promise<Record<string, { mentions: number; alerts: number }>> {
    const rows = this.db.prepare(`SELECT c.language, COUNT(*) AS mentions, COUNT(a.id) AS alerts
      FROM mentions m JOIN classifications c ON c.mention_id = m.id LEFT JOIN alerts a ON a.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? GROUP BY c.language ORDER BY mentions DESC, c.language`).all(from, to) as Array<{ language: string; mentions: number; alerts: number }>;
    return Object.fromEntries(rows.map((r) => [r.language, { mentions: r.mentions, alerts: r.alerts }]));
  }

  /**
   * Complaint texts of the week that are not crises, confident or possible (crisis posts are never quoted), most negative
   * first. A purged post comes with the themes and quote kept in place of its text.
   */
  async complaints(from: number, to: number): Promise<Array<{ id: number; text: string; score: number; purged: { themes: string[]; quote: string | null } | null }>> {
    const rows = this.db.prepare(`SELECT m.id, m.text, c.score, m.purge_id IS NOT NULL AS purged, m.digest_themes AS themes, m.digest_quote AS quote
      FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? AND c.is_complaint = 1 AND c.categories NOT LIKE '%"crisis"%' AND c.reasons NOT LIKE '%"possible crisis%'
      ORDER BY c.score, m.id`).all(from, to) as Array<{ id: number; text: string; score: number; purged: number; themes: string | null; quote: string | null }>;
    return rows.map((r) => ({
      id: r.id,
      text: r.text,
      score: r.score,
      purged: r.purged ? { themes: JSON.parse(r.themes ?? '[]') as string[], quote: r.quote } : null,
    }));
  }

  /**
   * The warmest praise of the week, never from crisis posts. A purged post is quoted from what was
   * kept (`purgedQuote`); one purged on its author's request kept nothing and is passed over.
   */
  async praise(from: number, to: number, limit: number): Promise<Array<{ id: number; text: string; score: number; purgedQuote: string | null }>> {
    return this.db.prepare(`SELECT m.id, m.text, c.score, CASE WHEN m.purge_id IS NULL THEN NULL ELSE m.digest_quote END AS purgedQuote
      FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? AND c.categories LIKE '%"praise"%' AND c.categories NOT LIKE '%"crisis"%' AND c.reasons NOT LIKE '%"possible crisis%'
        AND (m.purge_id IS NULL OR m.digest_quote IS NOT NULL)
      ORDER BY c.score DESC, m.id LIMIT ?`).all(from, to, limit) as Array<{ id: number; text: string; score: number; purgedQuote: string | null }>;
  }

  /** Crisis alerts that arrived in the week: how many, and how fast they got a first response. */
  async crisis(from: number, to: number): Promise<Array<{ firstResponseMinutes: number | null }>> {
    return this.db.prepare(`SELECT (a.first_response_at - a.arrived_at) / 60000.0 AS firstResponseMinutes
      FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id
      WHERE a.arrived_at >= ? AND a.arrived_at < ? AND c.categories LIKE '%"crisis"%'`).all(from, to) as Array<{ firstResponseMinutes: number | null }>;
  }

  /** Alerts still waiting for a first response at `asOf` although their target passed, oldest due first. */
  async overdue(asOf: number, limit: number): Promise<{ count: number; oldest: Array<{ id: number; urgency: string; dueAt: number; url: string | null }> }> {
    const where = OVERDUE_WHERE;
    const count = this.db.prepare(`SELECT COUNT(*) FROM alerts a WHERE ${where}`).pluck().get(asOf, asOf) as number;
    const oldest = this.db.prepare(`SELECT a.id, a.urgency, a.first_response_due_at AS dueAt, ${REPORT_LINK_SQL} AS url FROM alerts a JOIN mentions m ON m.id = a.mention_id
      WHERE ${where} ORDER BY a.first_response_due_at LIMIT ?`).all(asOf, asOf, limit) as Array<{ id: number; urgency: string; dueAt: number; url: string | null }>;
    return { count, oldest };
  }

  /** The brand's own posts per local day: replies and original posts. */
  async ownPosts(dayStarts: readonly number[]): Promise<Array<{ day: number; replies: number; originals: number }>> {
    const rows = this.db.prepare(`SELECT created_at AS at, in_reply_to_id IS NOT NULL AS reply FROM own_posts WHERE created_at >= ? AND created_at < ?`)
      .all(dayStarts[0], dayStarts[dayStarts.length - 1]) as Array<{ at: number; reply: number }>;
    return ownPostsByDay(dayStarts, rows);
  }

  /** Posts read per stream over UTC days `fromDay`..`toDay` (inclusive, `YYYY-MM-DD`). */
  async reads(fromDay: string, toDay: string): Promise<Array<{ source: string; stream: string; reads: number; requests: number }>> {
    return this.db.prepare(`SELECT source, stream, SUM(reads) AS reads, SUM(requests) AS requests FROM source_reads_daily
      WHERE day >= ? AND day <= ? GROUP BY source, stream ORDER BY source, stream`).all(fromDay, toDay) as Array<{ source: string; stream: string; reads: number; requests: number }>;
  }

  async wasPosted(week: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM digests_posted WHERE week = ?').pluck().get(week) !== undefined;
  }

  async markPosted(week: string, messageId: string, now: number): Promise<void> {
    this.db.prepare('INSERT INTO digests_posted (week, posted_at, message_id) VALUES (?, ?, ?) ON CONFLICT (week) DO NOTHING').run(week, now, messageId);
  }
}
