import { setImmediate as nextTick } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { DigestFacts, PostText } from '../digest/mention-facts.js';
import { anonymousLinkOf } from './post-links.js';

/** What a purged mention's text, handle and author id read afterwards. */
export const REMOVED = '[removed]';

/** The digest's facts of a post's text, computed before the text goes (see `createDigestFacts`). */
export type FactsOf = (post: PostText) => Promise<DigestFacts>;

export type PurgeReason = 'retention' | 'request';

export interface PurgeResult {
  purgeId: number;
  /** Mentions whose text and identity were removed. */
  mentions: number;
  /** Of those, how many had an alert. */
  alerts: number;
  /** Other people's posts that quoted a purged post as the post they replied to (request purges). */
  replyTexts: number;
}

/** Audit-log details that carry nobody's words or identity (staff ids, times, chosen reasons); the rest is dropped. */
const EVENT_DETAIL_KEPT = new Set(['until', 'pausedOpenMinutes', 'reason', 'via', 'replyId', 'chat', 'userId', 'discordUserId']);

interface Candidate {
  id: number;
  createdAt: number;
  platform: string;
  nativeId: string;
  text: string;
  url: string | null;
  authorHandle: string;
  authorId: string;
  categories: string | null;
  isComplaint: number | null;
  /** 1 when the classifier raised it as a possible crisis (never quoted or counted in themes). */
  possibleCrisis: number | null;
  alertId: number | null;
}

const CANDIDATE_SELECT = `
  SELECT m.id, m.created_at AS createdAt, m.platform, m.native_id AS nativeId, m.text, m.url, m.author_handle AS authorHandle, m.author_id AS authorId,
         c.categories, c.is_complaint AS isComplaint, CASE WHEN c.reasons LIKE '%"possible crisis%' THEN 1 ELSE 0 END AS possibleCrisis, a.id AS alertId
  FROM mentions m LEFT JOIN classifications c ON c.mention_id = m.id LEFT JOIN alerts a ON a.mention_id = m.id`;

/** The purge's statements, portable SQL both adapters run as written (PostgreSQL through `toPg`). */
const SQL = {
  expired: `${CANDIDATE_SELECT}
    WHERE m.purge_id IS NULL AND m.created_at < @cutoff AND (m.created_at, m.id) > (@afterAt, @afterId)
      AND (a.id IS NULL OR (a.state IN ('resolved', 'dismissed') AND a.updated_at < @cutoff))
    ORDER BY m.created_at, m.id LIMIT @limit`,
  authorsByHandle: `SELECT DISTINCT platform, author_id AS authorId FROM mentions
    WHERE lower(author_handle) = lower(@handle) AND (CAST(@platform AS TEXT) IS NULL OR platform = @platform) AND purge_id IS NULL`,
  byAuthor: `${CANDIDATE_SELECT} WHERE m.platform = ? AND m.author_id = ? AND m.purge_id IS NULL ORDER BY m.id`,
  startPurge: `INSERT INTO purges (at, reason, cutoff, platform) VALUES (?, ?, ?, ?) RETURNING id`,
  countPurge: `UPDATE purges SET mentions = mentions + ?, alerts = alerts + ?, reply_texts = reply_texts + ? WHERE id = ?`,
  purgeMention: `UPDATE mentions SET text = '${REMOVED}', author_handle = '${REMOVED}', author_id = '${REMOVED}', author_name = NULL,
    author_followers = NULL, author_verified = NULL, url = @url, conversation_id = NULL, in_reply_to_id = NULL, in_reply_to_text = NULL,
    purge_id = @purgeId, digest_themes = @themes, digest_quote = @quote
    WHERE id = @id AND purge_id IS NULL`,
  clearReasons: `UPDATE classifications SET reasons = '[]' WHERE mention_id = ?`,
  eventDetails: `SELECT id, detail FROM alert_events WHERE alert_id = ? AND detail IS NOT NULL`,
  setEventDetail: `UPDATE alert_events SET detail = ? WHERE id = ?`,
  clearQuotedReplies: `UPDATE mentions SET in_reply_to_text = NULL WHERE platform = ? AND in_reply_to_id = ? AND in_reply_to_text IS NOT NULL`,
  // The card in chat still shows the text: have the outbox redraw it from the purged row.
  // Replies written on the card quote or answer the post: their text and the guard's quotes of it go too.
  scrubReplyEvents: `UPDATE reply_events SET detail = NULL WHERE draft_id IN (SELECT id FROM reply_drafts WHERE alert_id = ?)`,
  scrubReplies: `UPDATE reply_drafts SET text = '${REMOVED}', guard_problems = '[]' WHERE alert_id = ?`,
  redrawCard: `UPDATE alerts SET card_stale = 1 WHERE id = ? AND chat_message_id IS NOT NULL`,
  // Several chats: the erased card is redrawn in each chat that shows it.
  redrawCardEverywhere: `UPDATE deliveries SET card_stale = 1 WHERE kind = 'card' AND item_id = ? AND message_id IS NOT NULL`,
  purges: `SELECT id, at, reason, cutoff, platform, mentions, alerts, reply_texts AS replyTexts FROM purges ORDER BY id DESC`,
};

/** Parameters of one statement: positional for `?`, an object for `@name`. */
export type PurgeParams = readonly unknown[] | Record<string, unknown>;

/** One statement of a write transaction; the driver answers with its rows (a query or `RETURNING`) or the rows changed. */
export interface PurgeStep {
  sql: string;
  params: PurgeParams;
}
export type PurgeSteps<T> = Generator<PurgeStep, T, { rows: unknown[]; changes: number }>;

/**
 * How an adapter runs the purge's SQL: reads on their own, and each write transaction as a series of
 * steps, so SQLite runs them synchronously in one `BEGIN IMMEDIATE` and PostgreSQL on one connection.
 */
export interface PurgeDriver {
  all<T>(sql: string, params: PurgeParams): Promise<T[]>;
  transaction<T>(steps: PurgeSteps<T>): Promise<T>;
}

/** The SQLite driver: statements prepared once, a transaction's steps run synchronously inside it. */
export function sqlitePurgeDriver(db: Database.Database): PurgeDriver {
  const prepared = new Map<string, Database.Statement>();
  const statement = (sql: string) => {
    let st = prepared.get(sql);
    if (st === undefined) prepared.set(sql, (st = db.prepare(sql)));
    return st;
  };
  const exec = (step: PurgeStep) => {
    const st = statement(step.sql);
    const args = Array.isArray(step.params) ? step.params : [step.params];
    return st.reader ? { rows: st.all(...args), changes: 0 } : { rows: [], changes: st.run(...args).changes };
  };
  return {
    all: async <T>(sql: string, params: PurgeParams) => exec({ sql, params }).rows as T[],
    transaction: async <T>(steps: PurgeSteps<T>) =>
      db.transaction((): T => {
        for (let next = steps.next(); ; ) {
          if (next.done) return next.value;
          next = steps.next(exec(next.value));
        }
      }).immediate(),
  };
}

/**
 * Removes personal data from mentions while keeping every number the SLA report and the weekly
 * digest read: timestamps, platform and stream, classification (sentiment, score, categories,
 * urgency), the alert and its clock, the audit log's who-and-when. Gone: the text, the author's
 * handle, name, id, follower count and verified flag, the replied-to text and conversation ids, the
 * classifier's reasons (they quote words of the text), the handle in the URL, and audit-log details
 * other than staff ids and chosen reasons. What the digest derived from the text (theme names,
 * its redacted quote) is kept in `digest_themes` / `digest_quote` first, so the post's week reads
 * the same afterwards. The platform's post id stays: it is what stops a later poll from storing
 * the post (and its text) again. Every purge is a row in `purges`, without whose data it was.
 * Both adapters: SQLite passes {@link sqlitePurgeDriver}, PostgreSQL its own (`pg-store.ts`).
 */
export class RetentionStore {
  private readonly driver: PurgeDriver;

  constructor(driver: PurgeDriver | Database.Database) {
    this.driver = 'prepare' in driver ? sqlitePurgeDriver(driver) : driver;
  }

  /**
   * The retention job: mentions posted before `cutoff` that have no alert, or whose alert is closed
   * (resolved or dismissed) and unchanged since before `cutoff`. Open alerts keep their text however
   * old. Works in short transactions of `batchSize` mentions and yields between them, so a bot in the
   * same process keeps polling and answering; a stop (`signal`) ends it between batches, and the
   * next run carries on.
   */
  async purgeExpired(options: { cutoff: number; now: number; factsOf: FactsOf; batchSize?: number; signal?: AbortSignal }): Promise<PurgeResult> {
    const limit = options.batchSize ?? 500;
    const purgeId = await this.driver.transaction(startPurge(options.now, 'retention', options.cutoff, null));
    const result: PurgeResult = { purgeId, mentions: 0, alerts: 0, replyTexts: 0 };
    // Walks the unpurged posts by time on a partial index; the cursor steps over open alerts' posts.
    for (let afterAt = Number.MIN_SAFE_INTEGER, afterId = 0; !options.signal?.aborted; ) {
      // The digest's facts are read (async) before the write transaction; the update skips a post purged meanwhile.
      const rows = await this.driver.all<Candidate>(SQL.expired, { cutoff: options.cutoff, afterAt, afterId, limit });
      const facts = await factsOfRows(rows, options.factsOf);
      add(result, await this.driver.transaction(purgeRows(rows, purgeId, { facts, keepQuote: true, request: false })));
      const last = rows.at(-1);
      if (last === undefined || rows.length < limit) break;
      afterAt = last.createdAt;
      afterId = last.id;
      await nextTick();
    }
    return result;
  }

  /**
   * Erasure on request: every mention by the author of `handle` (on `platform`, or on every
   * platform), whatever its alert's state, including their posts stored under an earlier handle
   * (matched by the platform's author id). Their words are also removed where others' posts quoted
   * them as the post replied to, and the digest keeps no quote of theirs (only the theme counts).
   * Cards already in chat are marked for a redraw. One transaction.
   */
  async purgeAuthor(options: { handle: string; platform?: string; now: number; factsOf: FactsOf }): Promise<PurgeResult> {
    const handle = options.handle.trim().replace(/^@/, '');
    const authors = await this.driver.all<{ platform: string; authorId: string }>(SQL.authorsByHandle, { handle, platform: options.platform ?? null });
    const rows: Candidate[] = [];
    for (const author of authors) rows.push(...(await this.driver.all<Candidate>(SQL.byAuthor, [author.platform, author.authorId])));
    const facts = await factsOfRows(rows, options.factsOf);
    return this.driver.transaction(
      (function* (): PurgeSteps<PurgeResult> {
        const purgeId = yield* startPurge(options.now, 'request', null, options.platform ?? null);
        return { purgeId, ...(yield* purgeRows(rows, purgeId, { facts, keepQuote: false, request: true })) };
      })(),
    );
  }

  /** The purge log, newest first. */
  async purges(): Promise<Array<{ id: number; at: number; reason: PurgeReason; cutoff: number | null; platform: string | null; mentions: number; alerts: number; replyTexts: number }>> {
    return this.driver.all(SQL.purges, []);
  }
}

function* startPurge(now: number, reason: PurgeReason, cutoff: number | null, platform: string | null): PurgeSteps<number> {
  const { rows } = yield { sql: SQL.startPurge, params: [now, reason, cutoff, platform] };
  return Number((rows[0] as { id: number }).id);
}

function* purgeRows(rows: readonly Candidate[], purgeId: number, how: { facts: ReadonlyMap<number, DigestFacts>; keepQuote: boolean; request: boolean }): PurgeSteps<Omit<PurgeResult, 'purgeId'>> {
  const counts = { mentions: 0, alerts: 0, replyTexts: 0 };
  for (const row of rows) {
    const facts = how.facts.get(row.id) as DigestFacts;
    const params = { id: row.id, purgeId, url: anonymousLinkOf(row), themes: JSON.stringify(facts.themes), quote: how.keepQuote ? facts.quote : null };
    if ((yield { sql: SQL.purgeMention, params }).changes === 0) continue;
    counts.mentions++;
    yield { sql: SQL.clearReasons, params: [row.id] };
    if (how.request) counts.replyTexts += (yield { sql: SQL.clearQuotedReplies, params: [row.platform, row.nativeId] }).changes;
    if (row.alertId === null) continue;
    counts.alerts++;
    yield* scrubEvents(row.alertId);
    yield { sql: SQL.scrubReplyEvents, params: [row.alertId] };
    yield { sql: SQL.scrubReplies, params: [row.alertId] };
    if (how.request) {
      yield { sql: SQL.redrawCard, params: [row.alertId] };
      yield { sql: SQL.redrawCardEverywhere, params: [row.alertId] };
    }
  }
  yield { sql: SQL.countPurge, params: [counts.mentions, counts.alerts, counts.replyTexts, purgeId] };
  return counts;
}

function* scrubEvents(alertId: number): PurgeSteps<void> {
  const { rows } = yield { sql: SQL.eventDetails, params: [alertId] };
  for (const event of rows as Array<{ id: number; detail: string }>) {
    let detail: Record<string, unknown>;
    try {
      detail = JSON.parse(event.detail) as Record<string, unknown>;
    } catch {
      yield { sql: SQL.setEventDetail, params: [null, event.id] };
      continue;
    }
    const kept = Object.fromEntries(Object.entries(detail).filter(([key]) => EVENT_DETAIL_KEPT.has(key)));
    const text = Object.keys(kept).length > 0 ? JSON.stringify(kept) : null;
    if (text !== event.detail) yield { sql: SQL.setEventDetail, params: [text, event.id] };
  }
}

function add(total: PurgeResult, counts: Omit<PurgeResult, 'purgeId'>): void {
  total.mentions += counts.mentions;
  total.alerts += counts.alerts;
  total.replyTexts += counts.replyTexts;
}

/** Posts from before this instant are past a retention of `days` days at `now`. */
export function retentionCutoff(now: number, days: number): number {
  return now - days * 86_400_000;
}

/** The digest's facts of each candidate post, by mention id. */
async function factsOfRows(rows: readonly Candidate[], factsOf: FactsOf): Promise<Map<number, DigestFacts>> {
  const facts = new Map<number, DigestFacts>();
  for (const row of rows) {
    const categories = row.categories === null ? [] : (JSON.parse(row.categories) as string[]);
    facts.set(row.id, await factsOf({ id: row.id, createdAt: row.createdAt, text: row.text, categories: row.possibleCrisis === 1 ? [...categories, 'crisis'] : categories, isComplaint: row.isComplaint === 1 }));
  }
  return facts;
}
