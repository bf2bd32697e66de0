import Database from 'better-sqlite3';
import type { AlertAction, AlertState, AlertView } from '../domain/alert.js';
import { transition } from '../domain/alert.js';
import { URGENCIES, urgencyRank, type Category, type Classification, type Language, type ClassifyContext, type Sentiment, type Urgency } from '../domain/classification.js';
import type { Mention, OwnPost } from '../domain/mention.js';
import type { AlertPlan } from '../triage/decide-triage.js';
import { TriageError } from '../util/errors.js';
import { MIGRATIONS } from './migrations.js';
import { REPORT_LINK_SQL } from './post-links.js';
import { OutboxQueries } from './outbox-queries.js';
import { CorrectionsStore } from './corrections.js';
import type { SlaReportRow } from '../triage/sla-report.js';
import { isReminder, type SlaTiming } from '../triage/sla-events.js';

/** What the pipeline decides for one new mention, given what the store knows about its author. */
export type DecideMention = (mention: Mention, context: ClassifyContext) => { classification: Classification; plan: AlertPlan | null };

export interface IngestBatch {
  source: string;
  mentions: readonly Mention[];
  /** The brand's own posts; a reply to a stored mention marks its alert responded. */
  ownPosts?: readonly OwnPost[];
  /** Billing: posts read and requests made for this batch, counted per stream and month. */
  usage?: { stream: string; reads: number; requests: number };
  /** Written in the same transaction as the mentions: the cursor never runs ahead of the data. */
  cursor?: { stream: string; value: string };
  now: number;
}

export interface IngestResult {
  inserted: number;
  duplicates: number;
  alerts: number;
  /** Alerts marked responded by the brand's own replies in this batch (or found for new mentions). */
  responded: number;
}

/** What the SLA clock needs to know about an alert to compute its events or resume it. */
export interface SlaAlertClock extends SlaTiming {
  id: number;
  policyVersion: number;
  urgency: Urgency;
  categories: Category[];
  snoozedUntil: number | null;
}

/** Resolution clock after a pause: the new due time and the open minutes that were paused. */
export type ResumeClock = (alert: SlaAlertClock, now: number) => { resolutionDueAt: number | null; pausedOpenMinutes: number };

/** The reminders and escalations of an alert, for the sweep. */
export type SlaEventsOf = (alert: SlaAlertClock) => Array<{ kind: string; at: number }>;

export interface PendingNotification {
  id: number;
  kind: string;
  dueAt: number;
  late: boolean;
  assigneeRef: string | null;
  alert: AlertView;
}

export interface MonthlyReads {
  source: string;
  stream: string;
  reads: number;
  requests: number;
}

export type ActionResult =
  | { ok: true; alert: AlertView; changed: boolean }
  | { ok: false; reason: string; alert: AlertView | null };

export interface ActionOptions {
  snoozeUntil?: number;
  reason?: string;
  /** Platform id of the person claiming (a Discord user id), so reminders can ping them. */
  assigneeRef?: string;
  /** For `resume`: the new resolution due time and the open minutes the clock was paused. */
  resumed?: { resolutionDueAt: number | null; pausedOpenMinutes: number };
  /** Extra facts for the audit log (who on which platform). */
  detail?: Record<string, unknown>;
}

export interface QueueSummary {
  open: Record<Urgency, number>;
  total: number;
  nextDue: { alertId: number; urgency: Urgency; dueAt: number; kind: 'first response' | 'resolution' } | null;
  breached: number;
}

const WEEK = 7 * 24 * 3600_000;

interface AlertRow {
  id: number;
  language: Language;
  mention_id: number;
  state: AlertState;
  urgency: Urgency;
  created_at: number;
  first_response_due_at: number | null;
  resolution_due_at: number | null;
  policy_version: number;
  assignee: string | null;
  first_response_at: number | null;
  responded_by: string | null;
  resolved_at: number | null;
  snoozed_until: number | null;
  snoozed_from: AlertState | null;
  waiting_since: number | null;
  chat_message_id: string | null;
  sentiment: Sentiment;
  score: number;
  categories: string;
  reasons: string;
  platform: string;
  native_id: string;
  url: string | null;
  text: string;
  mention_created_at: number;
  author_handle: string;
  author_name: string | null;
  author_followers: number | null;
  in_reply_to_text: string | null;
  account: string | null;
  stars: number | null;
  recommends: number | null;
}

const ALERT_SELECT = `
  SELECT a.id, a.mention_id, a.state, a.urgency, a.created_at, a.first_response_due_at, a.resolution_due_at,
         a.policy_version, a.assignee, a.first_response_at, a.responded_by, a.resolved_at, a.snoozed_until,
         a.snoozed_from, a.waiting_since, a.chat_message_id, c.sentiment, c.score, c.categories, c.reasons, c.language, m.platform, m.native_id,
         m.url, m.text, m.created_at AS mention_created_at, m.author_handle, m.author_name, m.author_followers,
         m.in_reply_to_text, m.account, m.stars, m.recommends
  FROM alerts a JOIN mentions m ON m.id = a.mention_id JOIN classifications c ON c.mention_id = a.mention_id`;

const CLOCK_SELECT = `
  SELECT a.id, a.policy_version AS policyVersion, a.urgency, c.categories, a.arrived_at AS arrivedAt,
         a.first_response_due_at AS firstResponseDueAt, a.resolution_due_at AS resolutionDueAt,
         a.first_response_at AS firstResponseAt, a.resolved_at AS resolvedAt, a.waiting_since AS waitingSince,
         a.snoozed_until AS snoozedUntil
  FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id`;

function toClock(row: Omit<SlaAlertClock, 'categories'> & { categories: string }): SlaAlertClock {
  return { ...row, categories: JSON.parse(row.categories) as Category[] };
}

function toView(row: AlertRow): AlertView {
  return {
    id: row.id,
    mentionId: row.mention_id,
    state: row.state,
    urgency: row.urgency,
    categories: JSON.parse(row.categories) as Category[],
    sentiment: row.sentiment,
    score: row.score,
    reasons: JSON.parse(row.reasons) as string[],
    language: row.language,
    createdAt: row.created_at,
    firstResponseDueAt: row.first_response_due_at,
    resolutionDueAt: row.resolution_due_at,
    policyVersion: row.policy_version,
    assignee: row.assignee,
    firstResponseAt: row.first_response_at,
    respondedBy: row.responded_by,
    resolvedAt: row.resolved_at,
    snoozedUntil: row.snoozed_until,
    waitingSince: row.waiting_since,
    chatMessageId: row.chat_message_id,
    mention: {
      platform: row.platform,
      nativeId: row.native_id,
      url: row.url,
      text: row.text,
      createdAt: row.mention_created_at,
      authorHandle: row.author_handle,
      authorName: row.author_name,
      authorFollowers: row.author_followers,
      inReplyToText: row.in_reply_to_text,
      account: row.account,
      stars: row.stars,
      recommends: row.recommends === null ? null : row.recommends === 1,
    },
  };
}

/**
 * The SQLite store (WAL). Everything that must be atomic is one method with one transaction;
 * callers never hold a transaction open across I/O.
 */
export class SqliteStore {
  readonly db: Database.Database;
  /** The outbox's bookkeeping: send attempts, deliveries, cards that cannot be drawn. */
  readonly outbox: OutboxQueries;
  readonly corrections: CorrectionsStore;
  private readonly statements;

  constructor(path: string) {
    let db: Database.Database | undefined;
    try {
      db = this.db = new Database(path);
      // Refuse a newer schema before touching the file: switching it to WAL would already change it.
      refuseNewerSchema(this.db);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      // Reports read whole months of alerts: map the file and keep a larger page cache than the 2 MB default.
      this.db.pragma('mmap_size = 1073741824');
      this.db.pragma('cache_size = -65536');
      migrate(this.db);
    } catch (error) {
      if (db?.open) db.close();
      throw new TriageError('store', `cannot open the database at ${path}: ${(error as Error).message}. Check DATABASE_PATH.`, { cause: error });
    }
    db = this.db;
    this.outbox = new OutboxQueries(db);
    this.corrections = new CorrectionsStore(db);
    this.statements = {
      mentionExists: db.prepare(`SELECT 1 FROM mentions WHERE platform = ? AND native_id = ?`).pluck(),
      insertMention: db.prepare(`
        INSERT INTO mentions (platform, native_id, stream, author_id, author_handle, author_name, author_followers,
          author_verified, text, url, created_at, received_at, conversation_id, in_reply_to_id, in_reply_to_text, is_complaint,
          account, stars, recommends)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertClassification: db.prepare(`
        INSERT INTO classifications (mention_id, sentiment, score, categories, urgency, reasons, is_complaint, classified_at, language)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertAlert: db.prepare(`
        INSERT INTO alerts (mention_id, state, urgency, urgency_rank, created_at, arrived_at, first_response_due_at,
          resolution_due_at, policy_version, updated_at, next_sla_check_at)
        VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertEvent: db.prepare(`
        INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      recentComplaints: db.prepare(`
        SELECT COUNT(*) FROM mentions WHERE platform = ? AND author_id = ? AND is_complaint = 1 AND created_at >= ? AND created_at <= ?`).pluck(),
      upsertCursor: db.prepare(`
        INSERT INTO cursors (source, stream, value, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (source, stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
      getCursor: db.prepare(`SELECT value FROM cursors WHERE source = ? AND stream = ?`),
      insertOwnPost: db.prepare(`
        INSERT INTO own_posts (platform, native_id, created_at, in_reply_to_id, conversation_id) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (platform, native_id) DO NOTHING`),
      alertForNative: db.prepare(`
        SELECT a.id, a.state FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE m.platform = ? AND m.native_id = ?`),
      firstOwnReply: db.prepare(`
        SELECT native_id, created_at FROM own_posts WHERE platform = ? AND in_reply_to_id = ? ORDER BY created_at LIMIT 1`),
      markRespondedOnPlatform: db.prepare(`
        UPDATE alerts SET
          first_response_at = CASE WHEN first_response_at IS NULL OR first_response_at > @at THEN @at ELSE first_response_at END,
          responded_by = CASE WHEN first_response_at IS NULL OR first_response_at > @at THEN @by ELSE responded_by END,
          state = CASE WHEN state IN ('open', 'claimed', 'snoozed') THEN 'responded' ELSE state END,
          snoozed_until = CASE WHEN state = 'snoozed' THEN NULL ELSE snoozed_until END,
          card_stale = CASE WHEN chat_message_id IS NOT NULL THEN 1 ELSE card_stale END,
          updated_at = @now
        WHERE id = @id`),
      addReads: db.prepare(`
        INSERT INTO source_reads (source, stream, month, reads, requests) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream, month) DO UPDATE SET reads = reads + excluded.reads, requests = requests + excluded.requests`),
      readsInMonth: db.prepare(`SELECT source, stream, reads, requests FROM source_reads WHERE month = ? ORDER BY source, stream`),
      addDailyReads: db.prepare(`
        INSERT INTO source_reads_daily (source, stream, day, reads, requests) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream, day) DO UPDATE SET reads = reads + excluded.reads, requests = requests + excluded.requests`),
      alertById: db.prepare(`${ALERT_SELECT} WHERE a.id = ?`),
      pending: db.prepare(`${ALERT_SELECT} WHERE a.chat_message_id IS NULL AND a.state != 'dismissed' AND a.delivery_failed_at IS NULL ORDER BY a.urgency_rank, a.id LIMIT ?`),
      markPosted: db.prepare(`
        UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ? WHERE id = ? AND chat_message_id IS NULL`),
      markGrouped: db.prepare(`
        UPDATE alerts SET chat_channel_id = ?, chat_message_id = ?, posted_at = ?, coalesced_into = ? WHERE id = ? AND chat_message_id IS NULL`),
      groupMembers: db.prepare(`SELECT id FROM alerts WHERE coalesced_into = ? ORDER BY id`).pluck(),
      staleCards: db.prepare(`${ALERT_SELECT} WHERE a.card_stale = 1 AND a.coalesced_into IS NULL LIMIT ?`),
      markFresh: db.prepare(`UPDATE alerts SET card_stale = 0 WHERE id = ?`),
      messageOf: db.prepare(`SELECT chat_channel_id AS channelId, chat_message_id AS messageId FROM alerts WHERE id = ?`),
      openCounts: db.prepare(`
        SELECT urgency, COUNT(*) AS n FROM alerts WHERE state NOT IN ('resolved', 'dismissed') GROUP BY urgency`),
      nextFirstResponse: db.prepare(`
        SELECT id, urgency, first_response_due_at AS due FROM alerts
        WHERE state NOT IN ('resolved', 'dismissed', 'responded') AND first_response_at IS NULL AND first_response_due_at IS NOT NULL
        ORDER BY first_response_due_at LIMIT 1`),
      breached: db.prepare(`
        SELECT COUNT(*) AS n FROM alerts
        WHERE state NOT IN ('resolved', 'dismissed', 'responded') AND first_response_at IS NULL AND first_response_due_at < ?`),
    };
  }

  /**
   * Stores a batch of mentions, their classifications and alerts, and the source cursor, in one
   * transaction. Mentions already stored are skipped (and not classified again).
   */
  ingest(batch: IngestBatch, decide: DecideMention, resumeClock?: ResumeClock): IngestResult {
    const s = this.statements;
    const run = this.db.transaction((): IngestResult => {
      let inserted = 0;
      let alerts = 0;
      let responded = 0;
      for (const post of batch.ownPosts ?? []) {
        const stored = s.insertOwnPost.run(post.platform, post.nativeId, post.createdAt, post.inReplyToId ?? null, post.conversationId ?? null);
        if (stored.changes === 1 && post.inReplyToId !== undefined && this.respondOnPlatform(post.platform, post.inReplyToId, post.nativeId, post.createdAt, batch.now)) responded++;
      }
      // Oldest first: "complaints this week" then counts what came before, whatever order the page had.
      const ordered = [...batch.mentions].sort((a, b) => a.createdAt - b.createdAt);
      for (const mention of ordered) {
        // Seen before (a restart, another stream, a duplicate in the page): not classified again.
        if (s.mentionExists.get(mention.platform, mention.nativeId) !== undefined) continue;
        const context: ClassifyContext = {
          recentComplaints: s.recentComplaints.get(mention.platform, mention.author.id, mention.createdAt - WEEK, mention.createdAt) as number,
        };
        if (mention.author.followers !== undefined) context.followers = mention.author.followers;
        const { classification: c, plan } = decide(mention, context);
        const isComplaint = c.categories.includes('complaint') ? 1 : 0;
        const info = s.insertMention.run(
          mention.platform, mention.nativeId, mention.stream ?? null, mention.author.id, mention.author.handle,
          mention.author.name ?? null, mention.author.followers ?? null,
          mention.author.verified === undefined ? null : Number(mention.author.verified), mention.text, mention.url ?? null,
          mention.createdAt, batch.now, mention.conversationId ?? null, mention.inReplyToId ?? null,
          mention.inReplyToText ?? null, isComplaint,
          mention.account ?? null, mention.rating?.stars ?? null, mention.rating?.recommends === undefined ? null : Number(mention.rating.recommends),
        );
        inserted++;
        const mentionId = Number(info.lastInsertRowid);
        if (resumeClock && mention.conversationId !== undefined) this.resumeConversation(mention, mentionId, batch.now, resumeClock);
        s.insertClassification.run(
          mentionId, c.sentiment, c.score, JSON.stringify(c.categories), c.urgency, JSON.stringify(c.reasons), isComplaint, batch.now,
          c.language ?? 'en',
        );
        if (plan) {
          s.insertAlert.run(
            mentionId, plan.urgency, urgencyRank(plan.urgency), batch.now, mention.createdAt,
            plan.due?.firstResponseDueAt ?? null, plan.due?.resolutionDueAt ?? null, plan.policyVersion, batch.now, plan.nextSlaCheckAt,
          );
          alerts++;
          // The brand may have replied before the mention reached us (a backfill, another stream).
          const reply = s.firstOwnReply.get(mention.platform, mention.nativeId) as { native_id: string; created_at: number } | undefined;
          if (reply && this.respondOnPlatform(mention.platform, mention.nativeId, reply.native_id, reply.created_at, batch.now)) responded++;
        }
      }
      if (batch.usage) {
        s.addReads.run(batch.source, batch.usage.stream, monthOf(batch.now), batch.usage.reads, batch.usage.requests);
        s.addDailyReads.run(batch.source, batch.usage.stream, new Date(batch.now).toISOString().slice(0, 10), batch.usage.reads, batch.usage.requests);
      }
      if (batch.cursor) s.upsertCursor.run(batch.source, batch.cursor.stream, batch.cursor.value, batch.now);
      return { inserted, duplicates: batch.mentions.length - inserted, alerts, responded };
    });
    return run.immediate();
  }

  /**
   * The brand replied on the platform: the alert for `mentionNativeId` gets its first response at the
   * reply's time (the earliest wins), moves to responded if it was waiting, and the audit log says so.
   */
  private respondOnPlatform(platform: string, mentionNativeId: string, replyNativeId: string, at: number, now: number): boolean {
    const alert = this.statements.alertForNative.get(platform, mentionNativeId) as { id: number; state: AlertState } | undefined;
    if (!alert) return false;
    const by = `${platform}:reply`;
    this.statements.markRespondedOnPlatform.run({ id: alert.id, at, by, now });
    const to = alert.state === 'open' || alert.state === 'claimed' || alert.state === 'snoozed' ? 'responded' : alert.state;
    this.statements.insertEvent.run(alert.id, at, by, 'respond', alert.state, to, JSON.stringify({ via: platform, replyId: replyNativeId }));
    return true;
  }

  /**
   * The author wrote again in a conversation whose alert was waiting on them or resolved: the clock
   * resumes (a resolved alert reopens), with the paused open time recorded.
   */
  private resumeConversation(mention: Mention, mentionId: number, now: number, resumeClock: ResumeClock): void {
    const rows = this.db.prepare(`${CLOCK_SELECT} JOIN mentions m ON m.id = a.mention_id
      WHERE m.platform = ? AND m.conversation_id = ? AND m.author_id = ? AND m.id != ?
        AND (a.waiting_since IS NOT NULL OR a.state = 'resolved')`).all(mention.platform, mention.conversationId, mention.author.id, mentionId) as Array<Omit<SlaAlertClock, 'categories'> & { categories: string }>;
    for (const row of rows) {
      const clock = toClock(row);
      this.applyAction(clock.id, 'resume', `${mention.platform}:author`, now, { resumed: resumeClock(clock, now), detail: { mentionNativeId: mention.nativeId } });
    }
  }

  /** Stores the policy text under its version the first time it is seen; returns the text stored for that version. */
  recordPolicy(version: number, policy: string, now: number): string {
    this.db.prepare('INSERT INTO sla_policies (version, policy, first_seen_at) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING').run(version, policy, now);
    return this.db.prepare('SELECT policy FROM sla_policies WHERE version = ?').pluck().get(version) as string;
  }

  /** Every policy version alerts may have been opened under. */
  policies(): Map<number, string> {
    const rows = this.db.prepare('SELECT version, policy FROM sla_policies').all() as Array<{ version: number; policy: string }>;
    return new Map(rows.map((r) => [r.version, r.policy]));
  }

  /**
   * One SLA sweep: alerts whose next check has come. Every reminder or escalation now due is recorded
   * once (a unique row per alert and kind: never twice, even across restarts; `late` when it fell
   * due over two minutes ago, i.e. while Triage was down); reminders due while snoozed are recorded
   * as hidden. Then the next check is set. One transaction.
   */
  sweepSla(now: number, eventsOf: SlaEventsOf, limit = 5000): { checked: number; created: number } {
    return this.db.transaction(() => {
      const rows = this.db.prepare(`${CLOCK_SELECT} WHERE a.next_sla_check_at <= ? AND a.state NOT IN ('resolved', 'dismissed') LIMIT ?`).all(now, limit) as Array<Omit<SlaAlertClock, 'categories'> & { categories: string }>;
      const insert = this.db.prepare(`INSERT INTO sla_notifications (alert_id, kind, due_at, created_at, late, sent_at, message_id)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, kind) DO NOTHING`);
      const setNext = this.db.prepare('UPDATE alerts SET next_sla_check_at = ? WHERE id = ?');
      const markStale = this.db.prepare('UPDATE alerts SET card_stale = 1 WHERE id = ? AND chat_message_id IS NOT NULL');
      let created = 0;
      for (const row of rows) {
        const alert = toClock(row);
        let next: number | null = null;
        let fired = 0;
        const events = eventsOf(alert);
        // When several first-response events are due at once (Triage was down), only the latest is
        // sent: a 50% reminder is noise beside a breach. The others are recorded as superseded.
        const latestFirstResponse = events.filter((e) => e.at <= now && e.kind !== 'resolution-breach').at(-1);
        for (const event of events) {
          if (event.at > now) {
            next ??= event.at;
            continue;
          }
          const snoozed = isReminder(event.kind) && alert.snoozedUntil !== null && alert.snoozedUntil > event.at;
          const superseded = event.kind !== 'resolution-breach' && event !== latestFirstResponse;
          const hiddenAs = snoozed ? 'snoozed' : superseded ? 'superseded' : null;
          fired += insert.run(alert.id, event.kind, event.at, now, now - event.at > 120_000 ? 1 : 0, hiddenAs ? now : null, hiddenAs).changes;
        }
        setNext.run(next, alert.id);
        // The card's colour changes at risk and at breach: redraw it.
        if (fired > 0) markStale.run(alert.id);
        created += fired;
      }
      this.db.prepare(`UPDATE alerts SET next_sla_check_at = NULL WHERE next_sla_check_at <= ? AND state IN ('resolved', 'dismissed')`).run(now);
      // Snoozes that have run out: the alert wakes up in the state it had.
      this.db.prepare(`UPDATE alerts SET state = COALESCE(snoozed_from, 'open'), snoozed_until = NULL, snoozed_from = NULL, card_stale = 1, updated_at = ?
        WHERE state = 'snoozed' AND snoozed_until <= ?`).run(now, now);
      return { checked: rows.length, created };
    }).immediate();
  }

  /** Reminders and escalations recorded but not yet sent, oldest first. */
  pendingNotifications(limit: number): PendingNotification[] {
    const rows = this.db.prepare(`SELECT n.id, n.alert_id AS alertId, n.kind, n.due_at AS dueAt, n.late, a.assignee_ref AS assigneeRef
      FROM sla_notifications n JOIN alerts a ON a.id = n.alert_id WHERE n.sent_at IS NULL ORDER BY n.id LIMIT ?`).all(limit) as Array<{ id: number; alertId: number; kind: string; dueAt: number; late: number; assigneeRef: string | null }>;
    return rows.map((r) => ({ id: r.id, kind: r.kind, dueAt: r.dueAt, late: r.late === 1, assigneeRef: r.assigneeRef, alert: this.getAlert(r.alertId) as AlertView }));
  }

  markNotificationSent(id: number, messageId: string, now: number): void {
    this.db.prepare('UPDATE sla_notifications SET sent_at = ?, message_id = ? WHERE id = ? AND sent_at IS NULL').run(now, messageId, id);
  }

  /** The reminders and escalations of an alert: sent, waiting to be sent, or hidden (snoozed, superseded). */
  notifications(alertId: number): Array<{ kind: string; dueAt: number; late: boolean; status: 'pending' | 'sent' | 'snoozed' | 'superseded' }> {
    return (this.db.prepare('SELECT kind, due_at AS dueAt, late, sent_at AS sentAt, message_id AS messageId FROM sla_notifications WHERE alert_id = ? ORDER BY due_at, id').all(alertId) as Array<{ kind: string; dueAt: number; late: number; sentAt: number | null; messageId: string | null }>)
      .map((n) => ({
        kind: n.kind,
        dueAt: n.dueAt,
        late: n.late === 1,
        status: n.sentAt === null ? 'pending' : n.messageId === 'snoozed' || n.messageId === 'superseded' ? n.messageId : 'sent',
      }));
  }

  /**
   * Alerts whose post arrived in [from, to), one at a time, so a report over a million rows stays flat in
   * memory. Rows come as arrays (no per-row column objects); the post's URL only when asked (the
   * CSV), else {@link urlsOf} gives it for the few a report shows.
   */
  *slaRows(from: number, to: number, options: { withUrls?: boolean } = {}): Generator<SlaReportRow> {
    const url = options.withUrls ? `(SELECT ${REPORT_LINK_SQL} FROM mentions m WHERE m.id = a.mention_id)` : 'NULL';
    // Fetched in chunks of 10,000 by id: a bulk read per chunk is much cheaper than a row at a time.
    const statement = this.db.prepare(`
      SELECT a.id, a.urgency, c.categories, a.state, a.assignee, a.responded_by, a.arrived_at, a.first_response_due_at, a.first_response_at,
             a.resolution_due_at, a.resolved_at, a.paused_open_minutes, a.policy_version, ${url}
      FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id
      WHERE a.id > ? AND a.arrived_at >= ? AND a.arrived_at < ? AND a.state != 'dismissed'
      ORDER BY a.id LIMIT 10000`).raw(true);
    const parsed = new Map<string, string[]>();
    for (let last = 0; ;) {
      const chunk = statement.all(last, from, to) as unknown[][];
      if (chunk.length === 0) return;
      for (const r of chunk) {
        const json = r[2] as string;
        let categories = parsed.get(json);
        if (categories === undefined) parsed.set(json, (categories = JSON.parse(json) as string[]));
        yield {
          id: r[0] as number,
          urgency: r[1] as string,
          categories,
          state: r[3] as string,
          assignee: r[4] as string | null,
          respondedBy: r[5] as string | null,
          url: r[13] as string | null,
          arrivedAt: r[6] as number,
          firstResponseDueAt: r[7] as number | null,
          firstResponseAt: r[8] as number | null,
          resolutionDueAt: r[9] as number | null,
          resolvedAt: r[10] as number | null,
          pausedOpenMinutes: r[11] as number,
          policyVersion: r[12] as number,
        };
      }
      last = (chunk[chunk.length - 1] as unknown[])[0] as number;
    }
  }

  /** The post link of each alert id, as reports show it (without the author's handle). */
  urlsOf(alertIds: readonly number[]): Map<number, string> {
    const statement = this.db.prepare(`SELECT ${REPORT_LINK_SQL} FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE a.id = ?`).pluck();
    const urls = new Map<number, string>();
    for (const id of alertIds) {
      const url = statement.get(id) as string | null | undefined;
      if (url) urls.set(id, url);
    }
    return urls;
  }

  /** Posts read and requests made per source and stream in the calendar month (UTC) of `at`. */
  readsInMonth(at: number): MonthlyReads[] {
    return this.statements.readsInMonth.all(monthOf(at)) as MonthlyReads[];
  }

  getCursor(source: string, stream: string): string | undefined {
    return (this.statements.getCursor.get(source, stream) as { value: string } | undefined)?.value;
  }

  getAlert(id: number): AlertView | null {
    const row = this.statements.alertById.get(id) as AlertRow | undefined;
    return row ? toView(row) : null;
  }

  /** The outbox: alerts with no chat message yet (and not set aside as undrawable), most urgent first. */
  pendingAlerts(limit: number): AlertView[] {
    return (this.statements.pending.all(limit) as AlertRow[]).map(toView);
  }

  /** Records that `alertIds` were delivered on another alert's card (a storm card). */
  markGrouped(leadId: number, alertIds: readonly number[], channelId: string, messageId: string, now: number): void {
    this.db.transaction(() => {
      for (const id of alertIds) this.statements.markGrouped.run(channelId, messageId, now, leadId, id);
    })();
  }

  /** Alerts carried on `leadId`'s card. */
  groupMembers(leadId: number): number[] {
    return this.statements.groupMembers.all(leadId) as number[];
  }

  /** Posted alerts that changed outside chat and whose card should be redrawn. */
  staleCards(limit: number): AlertView[] {
    return (this.statements.staleCards.all(limit) as AlertRow[]).map(toView);
  }

  markCardFresh(alertId: number): void {
    this.statements.markFresh.run(alertId);
  }

  /** Where an alert's card is, once posted. */
  messageOf(alertId: number): { channelId: string; messageId: string } | undefined {
    const row = this.statements.messageOf.get(alertId) as { channelId: string | null; messageId: string | null } | undefined;
    return row?.channelId && row.messageId ? { channelId: row.channelId, messageId: row.messageId } : undefined;
  }

  /** Open alerts (not resolved or dismissed), most urgent and most overdue first; only those in `language` when given. */
  openAlerts(limit: number, language?: Language): AlertView[] {
    const only = language === undefined ? '' : 'AND c.language = ?';
    return (this.db.prepare(`${ALERT_SELECT} WHERE a.state NOT IN ('resolved', 'dismissed') AND a.coalesced_into IS NULL ${only}
      ORDER BY a.urgency_rank, COALESCE(a.first_response_due_at, a.resolution_due_at, 9e15), a.id LIMIT ?`).all(...(language === undefined ? [limit] : [language, limit])) as AlertRow[]).map(toView);
  }

  /** Alerts whose mention contains `text` (case-insensitive), newest first. */
  findAlerts(text: string, limit: number): AlertView[] {
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (this.db.prepare(`${ALERT_SELECT} WHERE m.text LIKE ? ESCAPE '\\' ORDER BY a.id DESC LIMIT ?`).all(pattern, limit) as AlertRow[]).map(toView);
  }

  /** First-response figures per assignee over alerts created since `since`: count, answered, median minutes, within target. */
  responderStats(since: number): Array<{ responder: string; answered: number; medianMinutes: number; withinTarget: number }> {
    const rows = this.db.prepare(`
      SELECT COALESCE(responded_by, assignee) AS responder, first_response_at - arrived_at AS took,
             CASE WHEN first_response_due_at IS NULL OR first_response_at <= first_response_due_at THEN 1 ELSE 0 END AS ok
      FROM alerts WHERE created_at >= ? AND first_response_at IS NOT NULL AND COALESCE(responded_by, assignee) IS NOT NULL`).all(since) as Array<{ responder: string; took: number; ok: number }>;
    const by = new Map<string, { took: number[]; ok: number }>();
    for (const row of rows) {
      const entry = by.get(row.responder) ?? { took: [], ok: 0 };
      entry.took.push(row.took);
      entry.ok += row.ok;
      by.set(row.responder, entry);
    }
    return [...by.entries()].map(([responder, { took, ok }]) => {
      const sorted = took.sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
      return { responder, answered: sorted.length, medianMinutes: Math.round(median / 60_000), withinTarget: ok };
    }).sort((a, b) => b.answered - a.answered);
  }

  /** Records delivery; false when another worker already recorded it. */
  markPosted(alertId: number, channelId: string, messageId: string, now: number): boolean {
    return this.statements.markPosted.run(channelId, messageId, now, alertId).changes === 1;
  }

  /**
   * Applies an action from chat or a source, atomically: a double click or two people at once
   * end with one winner and a clear reason for the other.
   */
  applyAction(alertId: number, action: AlertAction, actor: string, now: number, options: ActionOptions = {}): ActionResult {
    const run = this.db.transaction((): ActionResult => {
      const current = this.getAlert(alertId);
      if (!current) return { ok: false, reason: `alert #${alertId} does not exist`, alert: null };
      if (action === 'claim' && current.state === 'claimed') {
        return current.assignee === actor
          ? { ok: true, alert: current, changed: false }
          : { ok: false, reason: `already claimed by ${current.assignee ?? 'someone'}`, alert: current };
      }
      if (action === 'respond' && current.state === 'responded') return { ok: true, alert: current, changed: false };
      if (action === 'resolve' && current.state === 'resolved') return { ok: true, alert: current, changed: false };
      if (action === 'dismiss' && current.state === 'dismissed') return { ok: true, alert: current, changed: false };
      const next = transition(current.state, action);
      if (!next.ok) return { ok: false, reason: next.reason, alert: current };
      const sets: string[] = ['state = @to', 'updated_at = @now'];
      const params: Record<string, unknown> = { id: alertId, from: current.state, to: next.to, now, actor };
      switch (action) {
        case 'claim':
          sets.push('assignee = @actor', 'claimed_at = @now', 'assignee_ref = @ref');
          params.ref = options.assigneeRef ?? null;
          break;
        case 'wait':
          sets.push('waiting_since = @now', 'first_response_at = COALESCE(first_response_at, @now)', 'responded_by = COALESCE(responded_by, @actor)');
          break;
        case 'resume':
          sets.push('waiting_since = NULL', 'resolved_at = NULL', 'paused_open_minutes = paused_open_minutes + @paused', 'resolution_due_at = COALESCE(@resolutionDue, resolution_due_at)', 'next_sla_check_at = @now');
          params.paused = options.resumed?.pausedOpenMinutes ?? 0;
          params.resolutionDue = options.resumed?.resolutionDueAt ?? null;
          break;
        case 'respond':
          sets.push('first_response_at = COALESCE(first_response_at, @now)', 'responded_by = COALESCE(responded_by, @actor)');
          break;
        case 'resolve':
          sets.push('resolved_at = @now', 'first_response_at = COALESCE(first_response_at, @now)', 'responded_by = COALESCE(responded_by, @actor)');
          break;
        case 'snooze':
          sets.push('snoozed_until = @until', 'snoozed_from = @from');
          params.until = options.snoozeUntil ?? now + 3600_000;
          break;
        case 'dismiss':
          sets.push('dismissed_at = @now', 'dismiss_reason = @reason');
          params.reason = options.reason ?? null;
          break;
        case 'reopen':
          sets.push('resolved_at = NULL', 'dismissed_at = NULL', 'dismiss_reason = NULL', 'next_sla_check_at = @now');
          break;
        case 'escalate':
          break;
      }
      if (current.state === 'snoozed' && action !== 'snooze') sets.push('snoozed_until = NULL', 'snoozed_from = NULL');
      const changed = this.db.prepare(`UPDATE alerts SET ${sets.join(', ')} WHERE id = @id AND state = @from`).run(params).changes;
      if (changed !== 1) return { ok: false, reason: 'the alert changed meanwhile; try again', alert: this.getAlert(alertId) };
      const detail = {
        ...options.detail,
        ...(action === 'snooze' && { until: params.until }),
        ...(action === 'resume' && options.resumed && { pausedOpenMinutes: options.resumed.pausedOpenMinutes }),
        ...(options.reason !== undefined && { reason: options.reason }),
      };
      this.statements.insertEvent.run(alertId, now, actor, action, current.state, next.to, Object.keys(detail).length > 0 ? JSON.stringify(detail) : null);
      return { ok: true, alert: this.getAlert(alertId) as AlertView, changed: true };
    });
    return run.immediate();
  }

  /** The audit log of one alert, oldest first. */
  alertEvents(alertId: number): Array<{ at: number; actor: string; action: string; fromState: string | null; toState: string | null; detail: unknown }> {
    return (this.db.prepare('SELECT at, actor, action, from_state, to_state, detail FROM alert_events WHERE alert_id = ? ORDER BY id').all(alertId) as Array<{
      at: number; actor: string; action: string; from_state: string | null; to_state: string | null; detail: string | null;
    }>).map((r) => ({ at: r.at, actor: r.actor, action: r.action, fromState: r.from_state, toState: r.to_state, detail: r.detail ? JSON.parse(r.detail) : null }));
  }

  queueSummary(now: number): QueueSummary {
    const open = Object.fromEntries(URGENCIES.map((u) => [u, 0])) as Record<Urgency, number>;
    let total = 0;
    for (const row of this.statements.openCounts.all() as Array<{ urgency: Urgency; n: number }>) {
      open[row.urgency] = row.n;
      total += row.n;
    }
    const next = this.statements.nextFirstResponse.get() as { id: number; urgency: Urgency; due: number } | undefined;
    const breached = (this.statements.breached.get(now) as { n: number }).n;
    return {
      open,
      total,
      breached,
      nextDue: next ? { alertId: next.id, urgency: next.urgency, dueAt: next.due, kind: 'first response' } : null,
    };
  }

  counts(): { mentions: number; alerts: number } {
    const mentions = (this.db.prepare('SELECT COUNT(*) AS n FROM mentions').get() as { n: number }).n;
    const alerts = (this.db.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n;
    return { mentions, alerts };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** `2026-11` for a time in November 2026 (UTC). */
export function monthOf(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

function refuseNewerSchema(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema version ${version} is newer than this program knows (${MIGRATIONS.length}); upgrade Triage`);
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
