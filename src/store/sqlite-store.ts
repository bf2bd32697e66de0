import Database from 'better-sqlite3';
import type { AlertAction } from '../domain/alert.js';
import type { Language } from '../domain/classification.js';
import type { SlaRawRow, SlaReportRow } from '../triage/sla-report.js';
import { TriageError } from '../util/errors.js';
import { DeliveryQueries } from './delivery-queries.js';
import { AccountQueries } from './account-queries.js';
import { ReplyOutbox, type ReplyRepository } from './reply-outbox.js';
import { ConsoleQueries } from './console-queries.js';
import { CorrectionsStore } from './corrections.js';
import { DigestQueries } from './digest-queries.js';
import { MIGRATIONS } from './migrations.js';
import { OpsQueries } from './ops-queries.js';
import { OutboxQueries } from './outbox-queries.js';
import { RetentionStore, sqlitePurgeDriver } from './retention.js';
import { SourceSessions } from './source-sessions.js';
import { AlertMinutes } from './alert-minutes.js';
import { OAuthLogins } from './oauth-logins.js';
import { SqliteAlerts } from './sqlite-alerts.js';
import { SqliteIngest } from './sqlite-ingest.js';
import { SqliteReports } from './sqlite-reports.js';
import { SqliteSla } from './sqlite-sla.js';
import { instanceId, type ActionOptions, type DecideMention, type IngestBatch, type ResumeClock, type SlaEventsOf, type SlaRowOptions, type SqlRunner, type Store } from './store-port.js';

// The port's types, re-exported where callers have always imported them from.
export type {
  ActionOptions, ActionResult, DecideMention, IngestBatch, IngestResult, MonthlyReads, PendingNotification, QueueSummary,
  ResumeClock, SlaAlertClock, SlaEventsOf, Store,
} from './store-port.js';
export { monthOf } from './store-port.js';

export interface SqliteOptions {
  /**
   * Read the file through a memory map (default true): reports scan months of alerts faster. A
   * process that mostly writes (the bot, `poll`) maps it too otherwise, and every page of the
   * indexes an ingest updates then counts in its RSS, up to the size of the database.
   */
  mapFile?: boolean;
}

/**
 * The SQLite adapter of the store port (WAL), the default. Each concern is a repository with a
 * synchronous core (better-sqlite3 is synchronous; everything that must be atomic is one method with
 * one transaction, never held across I/O); this class exposes them through the async port.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly instance = instanceId();
  readonly location: string;
  readonly db: Database.Database;
  /** The outbox's bookkeeping: send attempts, deliveries, cards that cannot be drawn. */
  readonly outbox: OutboxQueries;
  readonly corrections: CorrectionsStore;
  readonly ops: OpsQueries;
  readonly digestQueries: DigestQueries;
  readonly retention: RetentionStore;
  /** Portable SQL on this database, for the read models and tables written once for both adapters. */
  private readonly sql: SqlRunner;
  readonly accountQueries: AccountQueries;
  readonly deliveries: DeliveryQueries;
  readonly consoleQueries: ConsoleQueries;
  readonly replies: ReplyRepository;
  readonly oauthLogins: OAuthLogins;
  readonly alertMinutes: AlertMinutes;
  private readonly alerts: SqliteAlerts;
  private readonly ingests: SqliteIngest;
  private readonly sla: SqliteSla;
  private readonly reports: SqliteReports;

  constructor(path: string, options: SqliteOptions = {}) {
    this.location = path;
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      // Refuse a newer schema before touching the file: switching it to WAL would already change it.
      refuseNewerSchema(db);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // Reports read whole months of alerts: map the file (mapped pages need no room in the page cache).
      if (options.mapFile ?? true) db.pragma('mmap_size = 1073741824');
      // A larger page cache than the 2 MB default, for the pages an ingest dirties before it commits;
      // 32 MB ingests as fast as 64 MB did and is 26 MB less of the peak RSS at a million (issue 19).
      db.pragma('cache_size = -32768');
      migrate(db);
    } catch (error) {
      if (db?.open) db.close();
      throw new TriageError('store', `cannot open the database at ${path}: ${(error as Error).message}. Check DATABASE_PATH.`, { cause: error });
    }
    this.db = db;
    this.outbox = new OutboxQueries(db, this.instance);
    this.corrections = new CorrectionsStore(db);
    this.ops = new OpsQueries(db);
    this.digestQueries = new DigestQueries(db);
    this.retention = new RetentionStore(db);
    // Each statement text prepared once: a card asks for its replies, a dispatch asks for thousands.
    // Texts with a list of `?` vary by length, so the oldest beyond a few hundred are let go.
    const prepared = new Map<string, Database.Statement>();
    const statement = (text: string) => {
      let stmt = prepared.get(text);
      if (!stmt) {
        if (prepared.size >= 256) prepared.delete(prepared.keys().next().value as string);
        prepared.set(text, (stmt = db.prepare(text)));
      }
      return stmt;
    };
    const sql: SqlRunner = {
      all: async <T>(text: string, params: readonly unknown[]) => statement(text).all(...params) as T[],
      run: async (text: string, params: readonly unknown[]) => void statement(text).run(...params),
    };
    this.sql = sql;
    this.accountQueries = new AccountQueries(sql);
    // One bot per file: a claim left in it is a dead process's.
    this.deliveries = new DeliveryQueries(sql, this.instance, () => '1 = 1');
    this.consoleQueries = new ConsoleQueries(sql);
    this.replies = new ReplyOutbox(sql, this.instance, true, sqlitePurgeDriver(db));
    this.oauthLogins = new OAuthLogins(sql);
    this.alertMinutes = new AlertMinutes(sql);
    this.alerts = new SqliteAlerts(db);
    this.ingests = new SqliteIngest(db, this.alerts);
    this.sla = new SqliteSla(db, this.alerts);
    this.reports = new SqliteReports(db);
  }

  /**
   * Stores a batch of mentions, their classifications and alerts, and the source cursor, in one
   * transaction. Mentions already stored are skipped (and not classified again).
   */
  async ingest(batch: IngestBatch, decide: DecideMention, resumeClock?: ResumeClock) {
    return this.ingests.ingest(batch, decide, resumeClock);
  }

  async getCursor(source: string, stream: string) {
    return this.ingests.getCursor(source, stream);
  }

  async cursors(source: string) {
    return this.ingests.cursors(source);
  }

  async getAlert(id: number) {
    return this.alerts.getAlert(id);
  }

  /** The outbox: alerts with no chat message yet (and not set aside as undrawable), most urgent first. */
  async pendingAlerts(limit: number) {
    return this.alerts.pendingAlerts(limit);
  }

  /** Records delivery; false when another worker already recorded it. */
  async markPosted(alertId: number, channelId: string, messageId: string, now: number) {
    return this.alerts.markPosted(alertId, channelId, messageId, now);
  }

  /** Records that `alertIds` were delivered on another alert's card (a storm card). */
  async markGrouped(leadId: number, alertIds: readonly number[], channelId: string, messageId: string, now: number) {
    this.alerts.markGrouped(leadId, alertIds, channelId, messageId, now);
  }

  async groupMembers(leadId: number) {
    return this.alerts.groupMembers(leadId);
  }

  async staleCards(limit: number) {
    return this.alerts.staleCards(limit);
  }

  async markCardFresh(alertId: number) {
    this.alerts.markCardFresh(alertId);
  }

  async messageOf(alertId: number) {
    return this.alerts.messageOf(alertId);
  }

  async openAlerts(limit: number, language?: Language) {
    return this.alerts.openAlerts(limit, language);
  }

  async findAlerts(text: string, limit: number) {
    return this.alerts.findAlerts(text, limit);
  }

  /**
   * Applies an action from chat or a source, atomically: a double click or two people at once
   * end with one winner and a clear reason for the other.
   */
  async applyAction(alertId: number, action: AlertAction, actor: string, now: number, options: ActionOptions = {}) {
    return this.alerts.applyAction(alertId, action, actor, now, options);
  }

  async alertEvents(alertId: number) {
    return this.alerts.alertEvents(alertId);
  }

  async recordPolicy(version: number, policy: string, now: number) {
    return this.sla.recordPolicy(version, policy, now);
  }

  async policies() {
    return this.sla.policies();
  }

  async sweepSla(now: number, eventsOf: SlaEventsOf, limit?: number) {
    return this.sla.sweepSla(now, eventsOf, limit);
  }

  async pendingNotifications(limit: number) {
    return this.sla.pendingNotifications(limit);
  }

  async markNotificationSent(id: number, messageId: string, now: number) {
    this.sla.markNotificationSent(id, messageId, now);
  }

  async notifications(alertId: number) {
    return this.sla.notifications(alertId);
  }

  async readsInMonth(at: number) {
    return this.reports.readsInMonth(at);
  }

  /** Alerts whose post arrived in [from, to), read in chunks so a report over a million rows stays flat in memory. */
  async *slaRowChunks(from: number, to: number, options: SlaRowOptions = {}): AsyncGenerator<readonly SlaReportRow[]> {
    yield* this.reports.slaRowChunks(from, to, options);
  }

  async *slaRawRowChunks(from: number, to: number, options: SlaRowOptions = {}): AsyncGenerator<readonly SlaRawRow[]> {
    yield* this.reports.slaRawRowChunks(from, to, options);
  }

  async urlsOf(alertIds: readonly number[]) {
    return this.reports.urlsOf(alertIds);
  }

  async responderStats(since: number) {
    return this.reports.responderStats(since);
  }

  async queueSummary(now: number) {
    return this.reports.queueSummary(now);
  }

  async counts() {
    return this.reports.counts();
  }

  sessions(now?: () => number): SourceSessions {
    return new SourceSessions(this.sql, now);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
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
