import type Database from 'better-sqlite3';
import type { AlertState } from '../domain/alert.js';
import { urgencyRank, type ClassifyContext } from '../domain/classification.js';
import type { Mention } from '../domain/mention.js';
import { CLOCK_SELECT, RESPONDED_ON_PLATFORM, toClock, type SqliteAlerts } from './sqlite-alerts.js';
import { monthOf, type DecideMention, type IngestBatch, type IngestResult, type ResumeClock, type SlaAlertClock } from './store-port.js';

const WEEK = 7 * 24 * 3600_000;

/** Mentions and ingest on SQLite (synchronous core of the `IngestRepository` port). */
export class SqliteIngest {
  private readonly statements;

  constructor(private readonly db: Database.Database, private readonly alerts: SqliteAlerts) {
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
      // The two look-ups below run once per batch and per new mention in a conversation, so the costlier
      // statements (a sort; a three-table join, ~10 us with fresh parameters) run only when they can find something.
      anyOwnPost: db.prepare(`SELECT 1 FROM own_posts WHERE platform = ? LIMIT 1`).pluck(),
      earlierInConversation: db.prepare(`
        SELECT 1 FROM mentions WHERE platform = ? AND conversation_id = ? AND author_id = ? AND id != ? LIMIT 1`).pluck(),
      markRespondedOnPlatform: db.prepare(RESPONDED_ON_PLATFORM),
      // Prepared once: asked for every new mention that belongs to a conversation.
      pausedInConversation: db.prepare(`${CLOCK_SELECT} JOIN mentions m ON m.id = a.mention_id
        WHERE m.platform = ? AND m.conversation_id = ? AND m.author_id = ? AND m.id != ?
          AND (a.waiting_since IS NOT NULL OR a.state = 'resolved')`),
      addReads: db.prepare(`
        INSERT INTO source_reads (source, stream, month, reads, requests) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream, month) DO UPDATE SET reads = reads + excluded.reads, requests = requests + excluded.requests`),
      addDailyReads: db.prepare(`
        INSERT INTO source_reads_daily (source, stream, day, reads, requests) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source, stream, day) DO UPDATE SET reads = reads + excluded.reads, requests = requests + excluded.requests`),
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
      // Own posts change only in this transaction (it holds the write lock, and they were stored above).
      const ownPostsOn = new Map<string, boolean>();
      const hasOwnPosts = (platform: string) => {
        let found = ownPostsOn.get(platform);
        if (found === undefined) ownPostsOn.set(platform, (found = s.anyOwnPost.get(platform) !== undefined));
        return found;
      };
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
          const reply = hasOwnPosts(mention.platform) ? (s.firstOwnReply.get(mention.platform, mention.nativeId) as { native_id: string; created_at: number } | undefined) : undefined;
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
    if (this.statements.earlierInConversation.get(mention.platform, mention.conversationId, mention.author.id, mentionId) === undefined) return;
    const rows = this.statements.pausedInConversation.all(mention.platform, mention.conversationId, mention.author.id, mentionId) as Array<Omit<SlaAlertClock, 'categories'> & { categories: string }>;
    for (const row of rows) {
      const clock = toClock(row);
      this.alerts.applyAction(clock.id, 'resume', `${mention.platform}:author`, now, { resumed: resumeClock(clock, now), detail: { mentionNativeId: mention.nativeId } });
    }
  }

  cursors(source: string): Map<string, string> {
    const rows = this.db.prepare('SELECT stream, value FROM cursors WHERE source = ?').all(source) as Array<{ stream: string; value: string }>;
    return new Map(rows.map((r) => [r.stream, r.value]));
  }

  getCursor(source: string, stream: string): string | undefined {
    return (this.statements.getCursor.get(source, stream) as { value: string } | undefined)?.value;
  }
}
