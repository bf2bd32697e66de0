import { randomInt } from 'node:crypto';
import type pg from 'pg';
import type { AlertAction, AlertState, AlertView } from '../domain/alert.js';
import { URGENCIES, urgencyRank, type ClassifyContext, type Language, type Sentiment, type Urgency } from '../domain/classification.js';
import type { Mention } from '../domain/mention.js';
import { slaReportRowOf, type SlaRawRow, type SlaReportRow } from '../triage/sla-report.js';
import { TriageError } from '../util/errors.js';
import { OVERDUE_WHERE, ownPostsByDay } from './digest-queries.js';
import { applyCorrections, type Correction, type RecordedCorrection } from './corrections.js';
import type { JobRun, StoreGauges } from './ops-queries.js';
import { groupUnrecorded, outboxSql, type DeliveredMessage, type UndeliverableAlert, type UnrecordedCard } from './outbox-queries.js';
import { all, allArrays, migratePg, one, openPool, query, redactUrl, run, transaction, type Queryable } from './pg-sql.js';
import { REPORT_LINK_SQL } from './post-links.js';
import { RetentionStore, type PurgeDriver, type PurgeParams, type PurgeSteps } from './retention.js';
import { DeliveryQueries } from './delivery-queries.js';
import { AccountQueries } from './account-queries.js';
import { ReplyOutbox, type ReplyRepository } from './reply-outbox.js';
import { ConsoleQueries } from './console-queries.js';
import { SourceSessions } from './source-sessions.js';
import { AlertMinutes } from './alert-minutes.js';
import { OAuthLogins } from './oauth-logins.js';
import { ALERT_SELECT, CLOCK_SELECT, RESPONDED_ON_PLATFORM, planAction, toClock, toView, type AlertRow } from './sqlite-alerts.js';
import { slaRowsSql } from './sqlite-reports.js';
import { planSweep } from './sqlite-sla.js';
import {
  CLAIM_MS, monthOf, type ActionOptions, type DeliveredCard, type OutboxCard, type ActionResult, type AlertEvent, type CorrectionsRepository, type DecideMention, type DigestRepository, type IngestBatch,
  type IngestResult, type MonthlyReads, type NotificationStatus, type OpsRepository, type OutboxRepository, type PendingNotification, type QueueSummary,
  type ResponderStats, type ResumeClock, type RetentionRepository, type SlaAlertClock, type SlaEventsOf, type SlaRowOptions, type SqlRunner, type Store,
} from './store-port.js';

const WEEK = 7 * 24 * 3600_000;
type ClockRow = Omit<SlaAlertClock, 'categories'> & { categories: string };

/** The purge's statements on PostgreSQL: a write transaction's steps run in order on one connection. */
function pgPurgeDriver(pool: pg.Pool): PurgeDriver {
  return {
    all: <T>(sql: string, params: PurgeParams) => all<T>(pool, sql, params),
    transaction: <T>(steps: PurgeSteps<T>) =>
      transaction(pool, async (c) => {
        for (let next = steps.next(); ; ) {
          if (next.done) return next.value;
          const { rows, rowCount } = await query(c, next.value.sql, next.value.params);
          next = steps.next({ rows, changes: rowCount });
        }
      }),
  };
}

/**
 * The PostgreSQL adapter of the store port (`DATABASE_URL=postgres://...`), for several instances
 * on one database. The same SQL as SQLite where it is portable, translated by {@link toPg};
 * everything that must be atomic is one transaction on one connection.
 */
export class PgStore implements Store {
  readonly kind = 'postgres';
  /** Also the key this instance holds its liveness lock under (see {@link INSTANCE_LOCKS}). */
  readonly instance = String(randomInt(1, 2 ** 31));
  private liveness: pg.PoolClient | undefined;
  readonly location: string;
  readonly outbox: OutboxRepository;
  readonly corrections: CorrectionsRepository;
  readonly ops: OpsRepository;
  readonly digestQueries: DigestRepository;
  readonly retention: RetentionRepository;
  /** Portable SQL on the pool, for the read models and tables written once for both adapters. */
  private readonly sql: SqlRunner;
  readonly accountQueries: AccountQueries;
  readonly deliveries: DeliveryQueries;
  readonly consoleQueries: ConsoleQueries;
  readonly replies: ReplyRepository;
  readonly oauthLogins: OAuthLogins;
  readonly alertMinutes: AlertMinutes;

  private constructor(readonly pool: pg.Pool, url: string) {
    this.location = redactUrl(url);
    this.outbox = new PgOutbox(pool, this.instance);
    this.corrections = new PgCorrections(pool);
    this.ops = new PgOps(pool, this.instance);
    this.digestQueries = new PgDigest(pool);
    this.retention = new RetentionStore(pgPurgeDriver(pool));
    const sql: SqlRunner = {
      all: <T>(text: string, params: readonly unknown[]) => all<T>(pool, text, params),
      run: async (text: string, params: readonly unknown[]) => void (await run(pool, text, params)),
    };
    this.sql = sql;
    this.accountQueries = new AccountQueries(sql);
    this.deliveries = new DeliveryQueries(sql, this.instance, holderGone);
    this.consoleQueries = new ConsoleQueries(sql);
    this.replies = new ReplyOutbox(sql, this.instance, false, pgPurgeDriver(pool));
    this.oauthLogins = new OAuthLogins(sql);
    this.alertMinutes = new AlertMinutes(sql);
  }

  /** Connects, checks the server answers and applies the migrations. */
  static async open(url: string): Promise<PgStore> {
    const pool = await openPool(url);
    try {
      await migratePg(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof TriageError) throw error;
      throw new TriageError('store', `cannot migrate the PostgreSQL database at ${redactUrl(url)}: ${(error as Error).message}. Check DATABASE_URL.`, { cause: error });
    }
    const store = new PgStore(pool, url);
    try {
      // Held for the life of this store: while it is, other instances leave this one's claims alone.
      store.liveness = await pool.connect();
      await store.liveness.query('SELECT pg_advisory_lock($1, $2)', [INSTANCE_LOCKS, Number(store.instance)]);
    } catch (error) {
      store.liveness?.release();
      await pool.end().catch(() => undefined);
      throw new TriageError('store', `cannot take this instance's lock on PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}. Check DATABASE_URL.`, { cause: error });
    }
    return store;
  }

  /**
   * One batch in one transaction, in a few statements whatever its size: the posts already stored,
   * the authors' complaints of the week before, then every new mention, classification and alert
   * as one multi-row insert each (`unnest` of arrays), so a batch of 5,000 costs a dozen round trips
   * instead of six per mention. The same decisions as SQLite's row-by-row ingest, oldest first.
   */
  async ingest(batch: IngestBatch, decide: DecideMention, resumeClock?: ResumeClock): Promise<IngestResult> {
    return transaction(this.pool, async (c) => {
      let responded = 0;
      for (const post of batch.ownPosts ?? []) {
        const stored = await run(c, `INSERT INTO own_posts (platform, native_id, created_at, in_reply_to_id, conversation_id) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (platform, native_id) DO NOTHING`, [post.platform, post.nativeId, post.createdAt, post.inReplyToId ?? null, post.conversationId ?? null]);
        if (stored === 1 && post.inReplyToId !== undefined && (await respondOnPlatform(c, post.platform, post.inReplyToId, post.nativeId, post.createdAt, batch.now))) responded++;
      }
      // Oldest first: "complaints this week" then counts what came before, whatever order the page had.
      const ordered = [...batch.mentions].sort((a, b) => a.createdAt - b.createdAt);
      const key = (platform: string, id: string) => `${platform}\u0000${id}`;
      const stored = new Set((await all<{ platform: string; native_id: string }>(c, `SELECT platform, native_id FROM mentions
        WHERE (platform, native_id) IN (SELECT * FROM unnest(?::text[], ?::text[]))`, [ordered.map((m) => m.platform), ordered.map((m) => m.nativeId)])).map((r) => key(r.platform, r.native_id)));
      // Seen before (a restart, another stream, a duplicate in the page): not classified again.
      const fresh: Mention[] = [];
      for (const mention of ordered) {
        const k = key(mention.platform, mention.nativeId);
        if (stored.has(k)) continue;
        stored.add(k);
        fresh.push(mention);
      }
      if (fresh.length > 0) {
        // Each author's complaints in the week before the oldest new post, up to the newest; the batch's own are added as it goes.
        const complaints = new Map<string, number[]>();
        // LATERAL (kept apart by OFFSET 0): one range of the author-complaints index per author, whatever the
        // planner makes of a table not analysed yet (joined as a whole, it took 1.7 s a batch at 100,000 rows).
        for (const row of await all<{ platform: string; author_id: string; created_at: number }>(c, `SELECT k.platform, k.author_id, m.created_at
          FROM (SELECT DISTINCT * FROM unnest(?::text[], ?::text[]) AS u(platform, author_id)) AS k
          CROSS JOIN LATERAL (SELECT created_at FROM mentions WHERE platform = k.platform AND author_id = k.author_id AND is_complaint = 1
            AND created_at >= ? AND created_at <= ? OFFSET 0) AS m`,
        [fresh.map((m) => m.platform), fresh.map((m) => m.author.id), (fresh[0] as Mention).createdAt - WEEK, (fresh[fresh.length - 1] as Mention).createdAt])) {
          const list = complaints.get(key(row.platform, row.author_id));
          if (list) list.push(row.created_at);
          else complaints.set(key(row.platform, row.author_id), [row.created_at]);
        }
        const decided = fresh.map((mention) => {
          const history = complaints.get(key(mention.platform, mention.author.id)) ?? [];
          let recent = 0;
          for (const at of history) if (at >= mention.createdAt - WEEK && at <= mention.createdAt) recent++;
          const context: ClassifyContext = { recentComplaints: recent };
          if (mention.author.followers !== undefined) context.followers = mention.author.followers;
          const { classification, plan } = decide(mention, context);
          const isComplaint = classification.categories.includes('complaint') ? 1 : 0;
          if (isComplaint) {
            const list = complaints.get(key(mention.platform, mention.author.id));
            if (list) list.push(mention.createdAt);
            else complaints.set(key(mention.platform, mention.author.id), [mention.createdAt]);
          }
          return { mention, classification, plan, isComplaint };
        });
        // Another instance may store the same post at the same moment: the unique key decides, once.
        const col = <T>(pick: (d: (typeof decided)[number]) => T) => decided.map(pick);
        const ids = new Map((await all<{ id: number; platform: string; native_id: string }>(c, `
          INSERT INTO mentions (platform, native_id, stream, author_id, author_handle, author_name, author_followers,
            author_verified, text, url, created_at, received_at, conversation_id, in_reply_to_id, in_reply_to_text, is_complaint,
            account, stars, recommends)
          SELECT platform, native_id, stream, author_id, author_handle, author_name, author_followers, author_verified, text, url, created_at, ?,
            conversation_id, in_reply_to_id, in_reply_to_text, is_complaint, account, stars, recommends
          FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[],
            ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[]) WITH ORDINALITY
            AS t(platform, native_id, stream, author_id, author_handle, author_name, author_followers, author_verified, text, url, created_at,
              conversation_id, in_reply_to_id, in_reply_to_text, is_complaint, account, stars, recommends, ord)
          ORDER BY ord
          ON CONFLICT (platform, native_id) DO NOTHING RETURNING id, platform, native_id`, [
          batch.now,
          col((d) => d.mention.platform), col((d) => d.mention.nativeId), col((d) => d.mention.stream ?? null), col((d) => d.mention.author.id),
          col((d) => d.mention.author.handle), col((d) => d.mention.author.name ?? null), col((d) => d.mention.author.followers ?? null),
          col((d) => (d.mention.author.verified === undefined ? null : Number(d.mention.author.verified))), col((d) => d.mention.text), col((d) => d.mention.url ?? null),
          col((d) => d.mention.createdAt), col((d) => d.mention.conversationId ?? null), col((d) => d.mention.inReplyToId ?? null),
          col((d) => d.mention.inReplyToText ?? null), col((d) => d.isComplaint), col((d) => d.mention.account ?? null), col((d) => d.mention.rating?.stars ?? null),
          col((d) => (d.mention.rating?.recommends === undefined ? null : Number(d.mention.rating.recommends))),
        ])).map((r) => [key(r.platform, r.native_id), r.id]));
        const kept = decided.flatMap((d) => {
          const id = ids.get(key(d.mention.platform, d.mention.nativeId));
          return id === undefined ? [] : [{ ...d, id }];
        });
        if (resumeClock) await this.resumeConversations(c, kept.filter((d) => d.mention.conversationId !== undefined), batch.now, resumeClock);
        const k = <T>(pick: (d: (typeof kept)[number]) => T) => kept.map(pick);
        if (kept.length > 0) {
          await run(c, `INSERT INTO classifications (mention_id, sentiment, score, categories, urgency, reasons, is_complaint, classified_at, language)
            SELECT mention_id, sentiment, score, categories, urgency, reasons, is_complaint, ?, language
            FROM unnest(?::bigint[], ?::text[], ?::double precision[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[])
              AS t(mention_id, sentiment, score, categories, urgency, reasons, is_complaint, language)`, [
            batch.now, k((d) => d.id), k((d) => d.classification.sentiment), k((d) => d.classification.score), k((d) => JSON.stringify(d.classification.categories)),
            k((d) => d.classification.urgency), k((d) => JSON.stringify(d.classification.reasons)), k((d) => d.isComplaint), k((d) => d.classification.language ?? 'en'),
          ]);
        }
        const alerting = kept.filter((d) => d.plan);
        const a = <T>(pick: (d: (typeof kept)[number] & { plan: NonNullable<(typeof kept)[number]['plan']> }) => T) => alerting.map((d) => pick(d as never));
        if (alerting.length > 0) {
          await run(c, `INSERT INTO alerts (mention_id, state, urgency, urgency_rank, created_at, arrived_at, first_response_due_at,
              resolution_due_at, policy_version, updated_at, next_sla_check_at)
            SELECT mention_id, 'open', urgency, urgency_rank, ?, arrived_at, first_response_due_at, resolution_due_at, policy_version, ?, next_sla_check_at
            FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[]) WITH ORDINALITY
              AS t(mention_id, urgency, urgency_rank, arrived_at, first_response_due_at, resolution_due_at, policy_version, next_sla_check_at, ord)
            ORDER BY ord`, [
            batch.now, batch.now, a((d) => d.id), a((d) => d.plan.urgency), a((d) => urgencyRank(d.plan.urgency)), a((d) => d.mention.createdAt),
            a((d) => d.plan.due?.firstResponseDueAt ?? null), a((d) => d.plan.due?.resolutionDueAt ?? null), a((d) => d.plan.policyVersion), a((d) => d.plan.nextSlaCheckAt ?? null),
          ]);
          // The brand may have replied before the mention reached us (a backfill, another stream).
          const replies = await all<{ platform: string; in_reply_to_id: string; native_id: string; created_at: number }>(c, `
            SELECT DISTINCT ON (platform, in_reply_to_id) platform, in_reply_to_id, native_id, created_at FROM own_posts
            WHERE (platform, in_reply_to_id) IN (SELECT * FROM unnest(?::text[], ?::text[])) ORDER BY platform, in_reply_to_id, created_at`,
          [alerting.map((d) => d.mention.platform), alerting.map((d) => d.mention.nativeId)]);
          const replyTo = new Map(replies.map((r) => [key(r.platform, r.in_reply_to_id), r]));
          for (const d of alerting) {
            const reply = replyTo.get(key(d.mention.platform, d.mention.nativeId));
            if (reply && (await respondOnPlatform(c, d.mention.platform, d.mention.nativeId, reply.native_id, reply.created_at, batch.now))) responded++;
          }
        }
        const inserted = kept.length;
        await this.finishBatch(c, batch);
        return { inserted, duplicates: batch.mentions.length - inserted, alerts: alerting.length, responded };
      }
      await this.finishBatch(c, batch);
      return { inserted: 0, duplicates: batch.mentions.length, alerts: 0, responded };
    });
  }

  /** The batch's reads and its cursor, in its transaction. */
  private async finishBatch(c: pg.PoolClient, batch: IngestBatch): Promise<void> {
    if (batch.usage) {
      await run(c, `INSERT INTO source_reads (source, stream, month, reads, requests) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream, month) DO UPDATE SET reads = source_reads.reads + excluded.reads, requests = source_reads.requests + excluded.requests`,
      [batch.source, batch.usage.stream, monthOf(batch.now), batch.usage.reads, batch.usage.requests]);
      await run(c, `INSERT INTO source_reads_daily (source, stream, day, reads, requests) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream, day) DO UPDATE SET reads = source_reads_daily.reads + excluded.reads, requests = source_reads_daily.requests + excluded.requests`,
      [batch.source, batch.usage.stream, new Date(batch.now).toISOString().slice(0, 10), batch.usage.reads, batch.usage.requests]);
    }
    if (batch.cursor) {
      await run(c, `INSERT INTO cursors (source, stream, value, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (source, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, [batch.source, batch.cursor.stream, batch.cursor.value, batch.now]);
    }
  }

  /** Conversations of `mentions` with an alert waiting on its author or resolved: found in one query, each then resumed as SQLite does. */
  private async resumeConversations(c: pg.PoolClient, mentions: ReadonlyArray<{ mention: Mention; id: number }>, now: number, resumeClock: ResumeClock): Promise<void> {
    if (mentions.length === 0) return;
    // LATERAL, from the conversations asked about: along the conversation index, never a scan of every resolved alert.
    const paused = new Set((await all<{ platform: string; conversation_id: string; author_id: string }>(c, `
      SELECT k.platform, k.conversation_id, k.author_id
      FROM (SELECT DISTINCT * FROM unnest(?::text[], ?::text[], ?::text[]) AS u(platform, conversation_id, author_id)) AS k
      WHERE EXISTS (SELECT 1 FROM mentions m JOIN alerts a ON a.mention_id = m.id
        WHERE m.platform = k.platform AND m.conversation_id = k.conversation_id AND m.author_id = k.author_id
          AND (a.waiting_since IS NOT NULL OR a.state = 'resolved'))`,
    [mentions.map((d) => d.mention.platform), mentions.map((d) => d.mention.conversationId), mentions.map((d) => d.mention.author.id)])).map((r) => `${r.platform}\u0000${r.conversation_id}\u0000${r.author_id}`));
    for (const { mention, id } of mentions) {
      if (paused.has(`${mention.platform}\u0000${mention.conversationId}\u0000${mention.author.id}`)) await this.resumeConversation(c, mention, id, now, resumeClock);
    }
  }

  private async resumeConversation(c: pg.PoolClient, mention: Mention, mentionId: number, now: number, resumeClock: ResumeClock): Promise<void> {
    const rows = await all<ClockRow>(c, `${CLOCK_SELECT} JOIN mentions m ON m.id = a.mention_id
      WHERE m.platform = ? AND m.conversation_id = ? AND m.author_id = ? AND m.id != ?
        AND (a.waiting_since IS NOT NULL OR a.state = 'resolved')`, [mention.platform, mention.conversationId, mention.author.id, mentionId]);
    for (const row of rows) {
      const clock = toClock(row);
      await applyActionOn(c, clock.id, 'resume', `${mention.platform}:author`, now, { resumed: resumeClock(clock, now), detail: { mentionNativeId: mention.nativeId } });
    }
  }

  async getCursor(source: string, stream: string): Promise<string | undefined> {
    return (await one<{ value: string }>(this.pool, 'SELECT value FROM cursors WHERE source = ? AND stream = ?', [source, stream]))?.value;
  }

  async cursors(source: string): Promise<Map<string, string>> {
    const rows = await all<{ stream: string; value: string }>(this.pool, 'SELECT stream, value FROM cursors WHERE source = ?', [source]);
    return new Map(rows.map((r) => [r.stream, r.value]));
  }

  async getAlert(id: number): Promise<AlertView | null> {
    return alertOn(this.pool, id);
  }

  async pendingAlerts(limit: number): Promise<AlertView[]> {
    return (await all<AlertRow>(this.pool, `${ALERT_SELECT} WHERE a.chat_message_id IS NULL AND a.state != 'dismissed' AND a.delivery_failed_at IS NULL ORDER BY a.urgency_rank, a.id LIMIT ?`, [limit])).map(toView);
  }

  async markPosted(alertId: number, channelId: string, messageId: string, now: number): Promise<boolean> {
    return (await run(this.pool, 'UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ? WHERE id = ? AND chat_message_id IS NULL', [channelId, messageId, now, alertId])) === 1;
  }

  async markGrouped(leadId: number, alertIds: readonly number[], channelId: string, messageId: string, now: number): Promise<void> {
    await transaction(this.pool, async (c) => {
      for (const id of alertIds) await markGroupedOn(c, leadId, id, { channelId, messageId }, now);
    });
  }

  async groupMembers(leadId: number): Promise<number[]> {
    return (await all<{ id: number }>(this.pool, 'SELECT id FROM alerts WHERE coalesced_into = ? ORDER BY id', [leadId])).map((r) => r.id);
  }

  async staleCards(limit: number): Promise<AlertView[]> {
    return (await all<AlertRow>(this.pool, `${ALERT_SELECT} WHERE a.card_stale = 1 AND a.coalesced_into IS NULL LIMIT ?`, [limit])).map(toView);
  }

  async markCardFresh(alertId: number): Promise<void> {
    await run(this.pool, 'UPDATE alerts SET card_stale = 0 WHERE id = ?', [alertId]);
  }

  async messageOf(alertId: number): Promise<{ channelId: string; messageId: string } | undefined> {
    const row = await one<{ channelId: string | null; messageId: string | null }>(this.pool, 'SELECT chat_channel_id AS channelId, chat_message_id AS messageId FROM alerts WHERE id = ?', [alertId]);
    return row?.channelId && row.messageId ? { channelId: row.channelId, messageId: row.messageId } : undefined;
  }

  async openAlerts(limit: number, language?: Language): Promise<AlertView[]> {
    const only = language === undefined ? '' : 'AND c.language = ?';
    return (await all<AlertRow>(this.pool, `${ALERT_SELECT} WHERE a.state NOT IN ('resolved', 'dismissed') AND a.coalesced_into IS NULL ${only}
      ORDER BY a.urgency_rank, COALESCE(a.first_response_due_at, a.resolution_due_at, 9000000000000000), a.id LIMIT ?`, language === undefined ? [limit] : [language, limit])).map(toView);
  }

  async findAlerts(text: string, limit: number): Promise<AlertView[]> {
    const pattern = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    return (await all<AlertRow>(this.pool, `${ALERT_SELECT} WHERE m.text ILIKE ? ESCAPE '\\' ORDER BY a.id DESC LIMIT ?`, [pattern, limit])).map(toView);
  }

  async applyAction(alertId: number, action: AlertAction, actor: string, now: number, options: ActionOptions = {}): Promise<ActionResult> {
    return transaction(this.pool, (c) => applyActionOn(c, alertId, action, actor, now, options));
  }

  async alertEvents(alertId: number): Promise<AlertEvent[]> {
    const rows = await all<{ at: number; actor: string; action: string; from_state: string | null; to_state: string | null; detail: string | null }>(this.pool,
      'SELECT at, actor, action, from_state, to_state, detail FROM alert_events WHERE alert_id = ? ORDER BY id', [alertId]);
    return rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, fromState: r.from_state, toState: r.to_state, detail: r.detail ? JSON.parse(r.detail) : null }));
  }

  async recordPolicy(version: number, policy: string, now: number): Promise<string> {
    await run(this.pool, 'INSERT INTO sla_policies (version, policy, first_seen_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING', [version, policy, now]);
    return (await one<{ policy: string }>(this.pool, 'SELECT policy FROM sla_policies WHERE version = ?', [version]))?.policy as string;
  }

  async policies(): Promise<Map<number, string>> {
    const rows = await all<{ version: number; policy: string }>(this.pool, 'SELECT version, policy FROM sla_policies');
    return new Map(rows.map((r) => [r.version, r.policy]));
  }

  /**
   * One SLA sweep, in one transaction. The alerts due are claimed with `FOR UPDATE SKIP LOCKED`: two
   * instances sweeping at once share them instead of waiting, and each notification row is unique
   * per alert and kind, so none is recorded twice.
   */
  async sweepSla(now: number, eventsOf: SlaEventsOf, limit = 5000): Promise<{ checked: number; created: number }> {
    return transaction(this.pool, async (c) => {
      const due = await all<{ id: number }>(c, `SELECT id FROM alerts WHERE next_sla_check_at <= ? AND state NOT IN ('resolved', 'dismissed') ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, [now, limit]);
      const rows = due.length === 0 ? [] : await all<ClockRow>(c, `${CLOCK_SELECT} WHERE a.id = ANY(?::bigint[])`, [due.map((d) => d.id)]);
      let created = 0;
      for (const row of rows) {
        const alert = toClock(row);
        const { next, notes } = planSweep(alert, eventsOf(alert), now);
        let fired = 0;
        for (const n of notes) {
          fired += await run(c, `INSERT INTO sla_notifications (alert_id, kind, due_at, created_at, late, sent_at, message_id)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, kind) DO NOTHING`, [alert.id, n.kind, n.dueAt, now, n.late ? 1 : 0, n.hiddenAs ? now : null, n.hiddenAs]);
        }
        await run(c, 'UPDATE alerts SET next_sla_check_at = ? WHERE id = ?', [next, alert.id]);
        if (fired > 0) await run(c, 'UPDATE alerts SET card_stale = 1 WHERE id = ? AND chat_message_id IS NOT NULL', [alert.id]);
        created += fired;
      }
      await run(c, `UPDATE alerts SET next_sla_check_at = NULL WHERE next_sla_check_at <= ? AND state IN ('resolved', 'dismissed')`, [now]);
      await run(c, `UPDATE alerts SET state = COALESCE(snoozed_from, 'open'), snoozed_until = NULL, snoozed_from = NULL, card_stale = 1, updated_at = ?
        WHERE state = 'snoozed' AND snoozed_until <= ?`, [now, now]);
      return { checked: rows.length, created };
    });
  }

  async pendingNotifications(limit: number): Promise<PendingNotification[]> {
    const rows = await all<{ id: number; alertId: number; kind: string; dueAt: number; late: number; assigneeRef: string | null }>(this.pool,
      `SELECT n.id, n.alert_id AS alertId, n.kind, n.due_at AS dueAt, n.late, a.assignee_ref AS assigneeRef
       FROM sla_notifications n JOIN alerts a ON a.id = n.alert_id WHERE n.sent_at IS NULL ORDER BY n.id LIMIT ?`, [limit]);
    const out: PendingNotification[] = [];
    for (const r of rows) out.push({ id: r.id, kind: r.kind, dueAt: r.dueAt, late: r.late === 1, assigneeRef: r.assigneeRef, alert: (await alertOn(this.pool, r.alertId)) as AlertView });
    return out;
  }

  async markNotificationSent(id: number, messageId: string, now: number): Promise<void> {
    await run(this.pool, 'UPDATE sla_notifications SET sent_at = ?, message_id = ? WHERE id = ? AND sent_at IS NULL', [now, messageId, id]);
  }

  async notifications(alertId: number): Promise<NotificationStatus[]> {
    const rows = await all<{ kind: string; dueAt: number; late: number; sentAt: number | null; messageId: string | null }>(this.pool,
      'SELECT kind, due_at AS dueAt, late, sent_at AS sentAt, message_id AS messageId FROM sla_notifications WHERE alert_id = ? ORDER BY due_at, id', [alertId]);
    return rows.map((n) => ({
      kind: n.kind,
      dueAt: n.dueAt,
      late: n.late === 1,
      status: n.sentAt === null ? 'pending' : n.messageId === 'snoozed' || n.messageId === 'superseded' ? n.messageId : 'sent',
    }));
  }

  async readsInMonth(at: number): Promise<MonthlyReads[]> {
    return all<MonthlyReads>(this.pool, 'SELECT source, stream, reads, requests FROM source_reads WHERE month = ? ORDER BY source, stream', [monthOf(at)]);
  }

  /** Alerts whose post arrived in [from, to), in chunks by arrival then id, as arrays in the columns' order. */
  async *slaRawRowChunks(from: number, to: number, options: SlaRowOptions = {}): AsyncGenerator<readonly SlaRawRow[]> {
    const sql = slaRowsSql(options.withUrls === true, options.chunkRows);
    for (let afterAt = -1, afterId = 0; ;) {
      const chunk = await allArrays<SlaRawRow>(this.pool, sql, { from, to, afterAt, afterId });
      if (chunk.length === 0) return;
      yield chunk;
      const last = chunk[chunk.length - 1] as SlaRawRow;
      afterAt = last[6];
      afterId = last[0];
    }
  }

  async *slaRowChunks(from: number, to: number, options: SlaRowOptions = {}): AsyncGenerator<readonly SlaReportRow[]> {
    const parsed = new Map<string, string[]>();
    for await (const chunk of this.slaRawRowChunks(from, to, options)) yield chunk.map((r) => slaReportRowOf(r, parsed));
  }

  async urlsOf(alertIds: readonly number[]): Promise<Map<number, string>> {
    const urls = new Map<number, string>();
    if (alertIds.length === 0) return urls;
    const rows = await all<{ id: number; url: string | null }>(this.pool, `SELECT a.id, ${REPORT_LINK_SQL} AS url FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE a.id = ANY(?::bigint[])`, [[...alertIds]]);
    for (const row of rows) if (row.url) urls.set(row.id, row.url);
    return urls;
  }

  async responderStats(since: number): Promise<ResponderStats[]> {
    const rows = await all<{ responder: string; answered: number; medianMinutes: number; withinTarget: number }>(this.pool, `
      SELECT COALESCE(responded_by, assignee) AS responder, COUNT(*) AS answered,
             ROUND((percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_at - arrived_at) / 60000.0)::numeric) AS medianMinutes,
             SUM(CASE WHEN first_response_due_at IS NULL OR first_response_at <= first_response_due_at THEN 1 ELSE 0 END) AS withinTarget
      FROM alerts WHERE created_at >= ? AND first_response_at IS NOT NULL AND COALESCE(responded_by, assignee) IS NOT NULL
      GROUP BY COALESCE(responded_by, assignee) ORDER BY answered DESC`, [since]);
    return rows;
  }

  async queueSummary(now: number): Promise<QueueSummary> {
    const open = Object.fromEntries(URGENCIES.map((u) => [u, 0])) as Record<Urgency, number>;
    let total = 0;
    for (const row of await all<{ urgency: Urgency; n: number }>(this.pool, `SELECT urgency, COUNT(*) AS n FROM alerts WHERE state NOT IN ('resolved', 'dismissed') GROUP BY urgency`)) {
      open[row.urgency] = row.n;
      total += row.n;
    }
    const next = await one<{ id: number; urgency: Urgency; due: number }>(this.pool, `SELECT id, urgency, first_response_due_at AS due FROM alerts
      WHERE state NOT IN ('resolved', 'dismissed', 'responded') AND first_response_at IS NULL AND first_response_due_at IS NOT NULL
      ORDER BY first_response_due_at LIMIT 1`);
    const breached = (await one<{ n: number }>(this.pool, `SELECT COUNT(*) AS n FROM alerts
      WHERE state NOT IN ('resolved', 'dismissed', 'responded') AND first_response_at IS NULL AND first_response_due_at < ?`, [now]))?.n ?? 0;
    return { open, total, breached, nextDue: next ? { alertId: next.id, urgency: next.urgency, dueAt: next.due, kind: 'first response' } : null };
  }

  async counts(): Promise<{ mentions: number; alerts: number }> {
    const row = await one<{ mentions: number; alerts: number }>(this.pool, 'SELECT (SELECT COUNT(*) FROM mentions) AS mentions, (SELECT COUNT(*) FROM alerts) AS alerts');
    return { mentions: row?.mentions ?? 0, alerts: row?.alerts ?? 0 };
  }

  sessions(now?: () => number): SourceSessions {
    return new SourceSessions(this.sql, now);
  }

  async close(): Promise<void> {
    const liveness = this.liveness;
    this.liveness = undefined;
    if (liveness) {
      // Let go of the liveness lock before the connection goes, so others take over at once.
      await liveness.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      liveness.release(true);
    }
    await this.pool.end();
  }
}

async function alertOn(on: Queryable, id: number): Promise<AlertView | null> {
  const row = await one<AlertRow>(on, `${ALERT_SELECT} WHERE a.id = ?`, [id]);
  return row ? toView(row) : null;
}

async function insertEvent(c: Queryable, alertId: number, at: number, actor: string, action: string, from: string, to: string, detail: string | null): Promise<void> {
  await run(c, 'INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)', [alertId, at, actor, action, from, to, detail]);
}

/** {@link planAction} inside a transaction: the alert's row is locked while it is decided, so two clicks on two instances end with one winner. */
async function applyActionOn(c: pg.PoolClient, alertId: number, action: AlertAction, actor: string, now: number, options: ActionOptions): Promise<ActionResult> {
  await query(c, 'SELECT id FROM alerts WHERE id = ? FOR UPDATE', [alertId]);
  const plan = planAction(await alertOn(c, alertId), alertId, action, actor, now, options);
  if ('result' in plan) return plan.result;
  const changed = await run(c, `UPDATE alerts SET ${plan.sets.join(', ')} WHERE id = @id AND state = @from`, plan.params);
  if (changed !== 1) return { ok: false, reason: 'the alert changed meanwhile; try again', alert: await alertOn(c, alertId) };
  await insertEvent(c, alertId, now, actor, action, plan.from, plan.to, plan.detail);
  return { ok: true, alert: (await alertOn(c, alertId)) as AlertView, changed: true };
}

/** The brand replied on the platform: first response at the reply's time (the earliest wins). */
async function respondOnPlatform(c: pg.PoolClient, platform: string, mentionNativeId: string, replyNativeId: string, at: number, now: number): Promise<boolean> {
  const alert = await one<{ id: number; state: AlertState }>(c, 'SELECT a.id, a.state FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE m.platform = ? AND m.native_id = ? FOR UPDATE OF a', [platform, mentionNativeId]);
  if (!alert) return false;
  const by = `${platform}:reply`;
  await run(c, RESPONDED_ON_PLATFORM, { id: alert.id, at, by, now });
  const to = alert.state === 'open' || alert.state === 'claimed' || alert.state === 'snoozed' ? 'responded' : alert.state;
  await insertEvent(c, alert.id, at, by, 'respond', alert.state, to, JSON.stringify({ via: platform, replyId: replyNativeId }));
  return true;
}

async function markGroupedOn(c: Queryable, leadId: number, id: number, message: DeliveredMessage, now: number): Promise<void> {
  await run(c, 'UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ?, coalesced_into = ? WHERE id = ? AND chat_message_id IS NULL', [message.channelId, message.messageId, now, leadId, id]);
}

/** Advisory-lock namespace (the first key) of live instances: each holds (INSTANCE_LOCKS, its number) on a connection of its own. */
const INSTANCE_LOCKS = 0x7472_6963;

/** PostgreSQL: a holder is gone when no session holds its instance lock (it died, or lost its connection). */
export const holderGone = (column: string) => `NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = ${INSTANCE_LOCKS} AND l.objid::text = ${column} AND l.objsubid = 2 AND l.granted)`;
const OUTBOX_SQL = outboxSql(holderGone);

/** The outbox bookkeeping on PostgreSQL (see `OutboxQueries`). */
class PgOutbox implements OutboxRepository {
  constructor(private readonly pool: pg.Pool, private readonly me: string) {}

  /** Claims with `FOR UPDATE SKIP LOCKED`: two instances claiming at once take different alerts and never wait on each other. */
  async claimCards(limit: number, now: number, leaseMs: number): Promise<AlertView[]> {
    return transaction(this.pool, async (c) => {
      const rows = await all<AlertRow>(c, `${OUTBOX_SQL.claimableCards} FOR UPDATE OF a SKIP LOCKED`, { me: this.me, now, limit });
      if (rows.length > 0) await run(c, 'UPDATE alerts SET delivery_claimed_by = ?, delivery_claim_until = ? WHERE id = ANY(?::bigint[])', [this.me, now + leaseMs, rows.map((r) => r.id)]);
      return rows.map(toView);
    });
  }

  async markAttempted(leadId: number, alertIds: readonly number[], now: number, leaseMs = CLAIM_MS): Promise<boolean> {
    return (await this.markAttemptedMany([{ leadId, memberIds: alertIds }], now, leaseMs)).has(leadId);
  }

  /** In one transaction; a card of several alerts in a savepoint of its own, so a lost claim writes nothing for it. */
  async markAttemptedMany(cards: readonly OutboxCard[], now: number, leaseMs = CLAIM_MS, sent: readonly DeliveredCard[] = []): Promise<Set<number>> {
    return transaction(this.pool, async (c) => {
      for (const card of sent) await this.deliver(c, card.leadId, card.memberIds, card.message, now);
      const marked = new Set<number>();
      for (const card of cards) {
        const ids = [...new Set([card.leadId, ...card.memberIds])];
        if (ids.length > 1) await c.query('SAVEPOINT card');
        let changed = 0;
        for (const id of ids) changed += await run(c, OUTBOX_SQL.markAttempted, { now, lead: card.leadId, me: this.me, until: now + leaseMs, id });
        // Another instance took one of them: write nothing for this card, send nothing.
        if (changed === ids.length) marked.add(card.leadId);
        if (ids.length > 1) await c.query(changed === ids.length ? 'RELEASE SAVEPOINT card' : 'ROLLBACK TO SAVEPOINT card');
      }
      return marked;
    });
  }

  async clearAttempt(alertIds: readonly number[]): Promise<void> {
    await run(this.pool, 'UPDATE alerts SET delivery_attempted_at = NULL, delivery_attempt_lead = NULL WHERE id = ANY(?::bigint[]) AND chat_message_id IS NULL', [[...alertIds]]);
  }

  async recordDelivery(leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): Promise<boolean> {
    return transaction(this.pool, (c) => this.deliver(c, leadId, memberIds, message, now));
  }

  async recordDeliveries(cards: readonly DeliveredCard[], now: number): Promise<void> {
    if (cards.length === 0) return;
    await transaction(this.pool, async (c) => {
      for (const card of cards) await this.deliver(c, card.leadId, card.memberIds, card.message, now);
    });
  }

  private async deliver(c: pg.PoolClient, leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): Promise<boolean> {
    const recorded = (await run(c, 'UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ? WHERE id = ? AND chat_message_id IS NULL', [message.channelId, message.messageId, now, leadId])) === 1;
    for (const id of memberIds) if (id !== leadId) await markGroupedOn(c, leadId, id, message, now);
    return recorded;
  }

  async recordFound(card: UnrecordedCard, message: DeliveredMessage, now: number): Promise<void> {
    await transaction(this.pool, async (c) => {
      await this.deliver(c, card.lead, card.members, message, now);
      await run(c, 'UPDATE alerts SET card_stale = 1 WHERE id = ?', [card.lead]);
    });
  }

  async unrecordedCards(limit = 1000, now = Number.MAX_SAFE_INTEGER): Promise<UnrecordedCard[]> {
    return groupUnrecorded(await all(this.pool, OUTBOX_SQL.unrecorded, { limit, me: this.me, now }));
  }

  async setAside(alertId: number, reason: string, now: number): Promise<boolean> {
    return (await run(this.pool, 'UPDATE alerts SET delivery_failed_at = ?, delivery_failed_reason = ? WHERE id = ? AND chat_message_id IS NULL AND delivery_failed_at IS NULL', [now, reason.slice(0, 1000), alertId])) === 1;
  }

  async putBack(alertId: number): Promise<boolean> {
    return (await run(this.pool, 'UPDATE alerts SET delivery_failed_at = NULL, delivery_failed_reason = NULL WHERE id = ? AND delivery_failed_at IS NOT NULL', [alertId])) === 1;
  }

  async undeliverable(limit = 100): Promise<UndeliverableAlert[]> {
    return all<UndeliverableAlert>(this.pool, `SELECT id AS alertId, delivery_failed_at AS failedAt, delivery_failed_reason AS reason FROM alerts
      WHERE delivery_failed_at IS NOT NULL ORDER BY delivery_failed_at, id LIMIT ?`, [limit]);
  }

  async countUndeliverable(): Promise<number> {
    return (await one<{ n: number }>(this.pool, 'SELECT COUNT(*) AS n FROM alerts WHERE delivery_failed_at IS NOT NULL'))?.n ?? 0;
  }

  async claimNotifications(limit: number, now: number, leaseMs: number): Promise<number[]> {
    return transaction(this.pool, async (c) => {
      const ids = (await all<{ id: number }>(c, `${OUTBOX_SQL.claimableNotifications} FOR UPDATE SKIP LOCKED`, { me: this.me, now, limit })).map((r) => r.id);
      if (ids.length > 0) await run(c, 'UPDATE sla_notifications SET claimed_by = ?, claim_until = ? WHERE id = ANY(?::bigint[])', [this.me, now + leaseMs, ids]);
      return ids;
    });
  }

  async markNotificationAttempted(id: number, now: number, leaseMs = CLAIM_MS): Promise<boolean> {
    return (await run(this.pool, OUTBOX_SQL.notificationAttempted, { now, me: this.me, until: now + leaseMs, id })) === 1;
  }

  async unrecordedNotifications(limit = 1000, now = Number.MAX_SAFE_INTEGER): Promise<Array<{ id: number; attemptedAt: number }>> {
    return all(this.pool, OUTBOX_SQL.unrecordedNotifications, { limit, me: this.me, now });
  }
}

interface CorrectionRow { id: number; alertId: number; at: number; actor: string; kind: string; label: string; present: number | null; previous: string | null }

function toRecorded(r: CorrectionRow): RecordedCorrection {
  const correction: Correction = r.kind === 'urgency' ? { kind: 'urgency', urgency: r.label as Urgency } : { kind: 'category', category: r.label as never, present: r.present === 1 };
  return { id: r.id, alertId: r.alertId, at: r.at, actor: r.actor, correction, previous: r.previous };
}

const CORRECTION_SELECT = 'SELECT id, alert_id AS alertId, at, actor, kind, label, present, previous FROM label_corrections';

/** Label corrections on PostgreSQL (see `CorrectionsStore`). */
class PgCorrections implements CorrectionsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async record(alertId: number, correction: Correction, actor: string, at: number, previous: string | null = null): Promise<void> {
    const [kind, label, present] = correction.kind === 'urgency' ? ['urgency', correction.urgency, null] : ['category', correction.category, correction.present ? 1 : 0];
    await run(this.pool, 'INSERT INTO label_corrections (alert_id, at, actor, kind, label, present, previous) VALUES (?, ?, ?, ?, ?, ?, ?)', [alertId, at, actor, kind, label, present, previous]);
  }

  async forAlert(alertId: number): Promise<RecordedCorrection[]> {
    return (await all<CorrectionRow>(this.pool, `${CORRECTION_SELECT} WHERE alert_id = ? ORDER BY id`, [alertId])).map(toRecorded);
  }

  async between(from: number, to: number): Promise<RecordedCorrection[]> {
    return (await all<CorrectionRow>(this.pool, `${CORRECTION_SELECT} WHERE at >= ? AND at < ? ORDER BY id`, [from, to])).map(toRecorded);
  }

  async labelledRows(): Promise<Array<{ id: string; text: string; urgency: Urgency; categories: import('../domain/classification.js').Category[] }>> {
    const rows = await all<{ alertId: number; text: string; purgeId: number | null; urgency: Urgency; categories: string }>(this.pool, `
      SELECT a.id AS alertId, m.text, m.purge_id AS purgeId, c.urgency, c.categories
      FROM alerts a JOIN mentions m ON m.id = a.mention_id JOIN classifications c ON c.mention_id = m.id
      WHERE a.id IN (SELECT DISTINCT alert_id FROM label_corrections) ORDER BY a.id`);
    const out = [];
    for (const r of rows.filter((row) => row.purgeId === null)) {
      const labels = applyCorrections({ urgency: r.urgency, categories: JSON.parse(r.categories) as never[] }, await this.forAlert(r.alertId));
      out.push({ id: `alert-${r.alertId}`, text: r.text, urgency: labels.urgency, categories: labels.categories });
    }
    return out;
  }
}

/** Job runs, the health probe and the gauges on PostgreSQL (see `OpsQueries`). */
class PgOps implements OpsRepository {
  constructor(private readonly pool: pg.Pool, private readonly me: string) {}

  async takeLease(job: string, now: number, ttlMs: number): Promise<boolean> {
    return (await run(this.pool, `INSERT INTO job_leases (job, holder, expires_at) VALUES (@job, @me, @until)
      ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < @now OR ${holderGone('job_leases.holder')}`, { job, me: this.me, until: now + ttlMs, now })) === 1;
  }

  async jobStarted(job: string, at: number): Promise<void> {
    await run(this.pool, 'INSERT INTO job_runs (job, started_at) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at', [job, at]);
  }

  async jobFinished(job: string, startedAt: number, finishedAt: number, error: string | null): Promise<void> {
    await run(this.pool, `INSERT INTO job_runs (job, started_at, finished_at, ok_at, error, duration_ms) VALUES (@job, @startedAt, @finishedAt, @okAt, @error, @durationMs)
      ON CONFLICT (job) DO UPDATE SET finished_at = excluded.finished_at, ok_at = COALESCE(excluded.ok_at, job_runs.ok_at),
        error = excluded.error, duration_ms = excluded.duration_ms`, { job, startedAt, finishedAt, okAt: error === null ? finishedAt : null, error, durationMs: finishedAt - startedAt });
  }

  async jobRuns(): Promise<JobRun[]> {
    return all<JobRun>(this.pool, 'SELECT job, started_at AS startedAt, finished_at AS finishedAt, ok_at AS okAt, error, duration_ms AS durationMs FROM job_runs ORDER BY job');
  }

  async gauges(): Promise<StoreGauges> {
    const count = async (sql: string) => (await one<{ n: number }>(this.pool, sql))?.n ?? 0;
    return {
      alerts: await all(this.pool, 'SELECT urgency, state, COUNT(*) AS n FROM alerts GROUP BY urgency, state'),
      outboxDepth: await count(`SELECT COUNT(*) AS n FROM alerts WHERE chat_message_id IS NULL AND state != 'dismissed' AND delivery_failed_at IS NULL`),
      undeliverable: await count('SELECT COUNT(*) AS n FROM alerts WHERE delivery_failed_at IS NOT NULL'),
      notificationBacklog: await count('SELECT COUNT(*) AS n FROM sla_notifications WHERE sent_at IS NULL'),
      breaches: await all(this.pool, `SELECT kind, COUNT(*) AS n FROM sla_notifications WHERE kind NOT LIKE 'reminder-%' AND kind NOT LIKE 'escalated-%' GROUP BY kind`),
    };
  }

  async probe(): Promise<string | undefined> {
    try {
      await this.pool.query('SELECT 1');
      return undefined;
    } catch (error) {
      return `database: ${(error as Error).message}`;
    }
  }
}

/** The weekly digest's queries on PostgreSQL (see `DigestQueries`: the same questions, the same answers). */
class PgDigest implements DigestRepository {
  constructor(private readonly pool: pg.Pool) {}

  async volume(dayStarts: readonly number[]): Promise<Array<{ day: number; source: string; sentiment: Sentiment; n: number }>> {
    const cases = dayStarts.slice(1, -1).map((_, i) => `WHEN m.created_at < @d${i + 1} THEN ${i}`).join(' ');
    const params: Record<string, number> = { from: dayStarts[0] as number, to: dayStarts[dayStarts.length - 1] as number };
    dayStarts.forEach((d, i) => (params[`d${i}`] = d));
    return all(this.pool, `
      SELECT CASE ${cases} ELSE ${dayStarts.length - 2} END AS day, m.platform || ':' || COALESCE(m.stream, '') AS source, c.sentiment, COUNT(*) AS n
      FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= @from AND m.created_at < @to
      GROUP BY 1, 2, c.sentiment`, params);
  }

  async byAccount(from: number, to: number): Promise<Array<{ account: string; mentions: number; negative: number; alerts: number; answered: number }>> {
    return all(this.pool, `
      SELECT COALESCE(m.account, m.platform) AS account, COUNT(*) AS mentions,
             SUM(CASE WHEN c.sentiment = 'negative' THEN 1 ELSE 0 END) AS negative,
             COUNT(a.id) AS alerts, SUM(CASE WHEN a.first_response_at IS NOT NULL THEN 1 ELSE 0 END) AS answered
      FROM mentions m JOIN classifications c ON c.mention_id = m.id LEFT JOIN alerts a ON a.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ?
      GROUP BY COALESCE(m.account, m.platform) ORDER BY mentions DESC, account`, [from, to]);
  }

  async languages(from: number, to: number): Promise<Record<string, { mentions: number; alerts: number }>> {
    const rows = await all<{ language: string; mentions: number; alerts: number }>(this.pool, `SELECT c.language, COUNT(*) AS mentions, COUNT(a.id) AS alerts
      FROM mentions m JOIN classifications c ON c.mention_id = m.id LEFT JOIN alerts a ON a.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? GROUP BY c.language ORDER BY mentions DESC, c.language`, [from, to]);
    return Object.fromEntries(rows.map((r) => [r.language, { mentions: r.mentions, alerts: r.alerts }]));
  }

  async sentimentMix(from: number, to: number): Promise<Record<Sentiment, number>> {
    const mix: Record<Sentiment, number> = { negative: 0, neutral: 0, positive: 0 };
    for (const row of await all<{ sentiment: Sentiment; n: number }>(this.pool, `SELECT c.sentiment, COUNT(*) AS n FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? GROUP BY c.sentiment`, [from, to])) {
      mix[row.sentiment] = row.n;
    }
    return mix;
  }

  async categories(from: number, to: number): Promise<Record<string, number>> {
    const rows = await all<{ category: string; n: number }>(this.pool, `SELECT j.value AS category, COUNT(*) AS n
      FROM mentions m JOIN classifications c ON c.mention_id = m.id, jsonb_array_elements_text(c.categories::jsonb) j(value)
      WHERE m.created_at >= ? AND m.created_at < ? GROUP BY j.value ORDER BY n DESC, j.value`, [from, to]);
    return Object.fromEntries(rows.map((r) => [r.category, r.n]));
  }

  async complaints(from: number, to: number): Promise<Array<{ id: number; text: string; score: number; purged: { themes: string[]; quote: string | null } | null }>> {
    const rows = await all<{ id: number; text: string; score: number; purged: boolean; themes: string | null; quote: string | null }>(this.pool, `
      SELECT m.id, m.text, c.score, m.purge_id IS NOT NULL AS purged, m.digest_themes AS themes, m.digest_quote AS quote
      FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? AND c.is_complaint = 1 AND c.categories NOT LIKE '%"crisis"%' AND c.reasons NOT LIKE '%"possible crisis%'
      ORDER BY c.score, m.id`, [from, to]);
    return rows.map((r) => ({ id: r.id, text: r.text, score: r.score, purged: r.purged ? { themes: JSON.parse(r.themes ?? '[]') as string[], quote: r.quote } : null }));
  }

  async praise(from: number, to: number, limit: number): Promise<Array<{ id: number; text: string; score: number; purgedQuote: string | null }>> {
    return all(this.pool, `SELECT m.id, m.text, c.score, CASE WHEN m.purge_id IS NULL THEN NULL ELSE m.digest_quote END AS purgedQuote
      FROM mentions m JOIN classifications c ON c.mention_id = m.id
      WHERE m.created_at >= ? AND m.created_at < ? AND c.categories LIKE '%"praise"%' AND c.categories NOT LIKE '%"crisis"%' AND c.reasons NOT LIKE '%"possible crisis%'
        AND (m.purge_id IS NULL OR m.digest_quote IS NOT NULL)
      ORDER BY c.score DESC, m.id LIMIT ?`, [from, to, limit]);
  }

  async crisis(from: number, to: number): Promise<Array<{ firstResponseMinutes: number | null }>> {
    return all(this.pool, `SELECT (a.first_response_at - a.arrived_at) / 60000.0 AS firstResponseMinutes
      FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id
      WHERE a.arrived_at >= ? AND a.arrived_at < ? AND c.categories LIKE '%"crisis"%' ORDER BY a.id`, [from, to]);
  }

  async overdue(asOf: number, limit: number): Promise<{ count: number; oldest: Array<{ id: number; urgency: string; dueAt: number; url: string | null }> }> {
    const where = OVERDUE_WHERE;
    const count = (await one<{ n: number }>(this.pool, `SELECT COUNT(*) AS n FROM alerts a WHERE ${where}`, [asOf, asOf]))?.n ?? 0;
    const oldest = await all<{ id: number; urgency: string; dueAt: number; url: string | null }>(this.pool, `SELECT a.id, a.urgency, a.first_response_due_at AS dueAt, ${REPORT_LINK_SQL} AS url
      FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE ${where} ORDER BY a.first_response_due_at, a.id LIMIT ?`, [asOf, asOf, limit]);
    return { count, oldest };
  }

  async ownPosts(dayStarts: readonly number[]): Promise<Array<{ day: number; replies: number; originals: number }>> {
    const rows = await all<{ at: number; reply: boolean }>(this.pool, 'SELECT created_at AS at, in_reply_to_id IS NOT NULL AS reply FROM own_posts WHERE created_at >= ? AND created_at < ?',
      [dayStarts[0], dayStarts[dayStarts.length - 1]]);
    return ownPostsByDay(dayStarts, rows);
  }

  async reads(fromDay: string, toDay: string): Promise<Array<{ source: string; stream: string; reads: number; requests: number }>> {
    return all(this.pool, `SELECT source, stream, SUM(reads) AS reads, SUM(requests) AS requests FROM source_reads_daily
      WHERE day >= ? AND day <= ? GROUP BY source, stream ORDER BY source, stream`, [fromDay, toDay]);
  }

  async wasPosted(week: string): Promise<boolean> {
    return (await one(this.pool, 'SELECT 1 FROM digests_posted WHERE week = ?', [week])) !== undefined;
  }

  async markPosted(week: string, messageId: string, now: number): Promise<void> {
    await run(this.pool, 'INSERT INTO digests_posted (week, posted_at, message_id) VALUES (?, ?, ?) ON CONFLICT (week) DO NOTHING', [week, now, messageId]);
  }
}
