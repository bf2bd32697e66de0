import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AlertAction, AlertView } from '../domain/alert.js';
import type { Category, Classification, ClassifyContext, Language, Urgency } from '../domain/classification.js';
import type { Mention, OwnPost } from '../domain/mention.js';
import type { AlertPlan } from '../triage/decide-triage.js';
import type { AlertMinutes } from './alert-minutes.js';
import type { SlaRawRow, SlaReportRow } from '../triage/sla-report.js';
import type { SlaTiming } from '../triage/sla-events.js';
import type { AccountQueries } from './account-queries.js';
import type { ConsoleQueries } from './console-queries.js';
import type { Correction, RecordedCorrection } from './corrections.js';
import type { DigestQueries } from './digest-queries.js';
import type { DeliveryQueries } from './delivery-queries.js';
import type { DeliveredMessage, UndeliverableAlert, UnrecordedCard } from './outbox-queries.js';
import type { JobRun, StoreGauges } from './ops-queries.js';
import type { SessionStore } from '../sources/session-store.js';
import type { ReplyRepository } from './reply-outbox.js';
import type { OAuthLogins } from './oauth-logins.js';
import type { FactsOf, PurgeReason, PurgeResult } from './retention.js';

/*
 * The store port: narrow repositories by concern, every method Promise-returning so that an adapter
 * over a network database fits beside SQLite. The core (pipeline, scheduler, handlers, commands,
 * chats) sees only these interfaces; `SqliteStore` is the default adapter.
 */

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
/** Mentions and ingest: a batch of mentions, their classification and alerts, usage and the cursor, in one transaction. */
export interface IngestRepository {
  ingest(batch: IngestBatch, decide: DecideMention, resumeClock?: ResumeClock): Promise<IngestResult>;
  getCursor(source: string, stream: string): Promise<string | undefined>;
  /** Every stream's cursor of `source`. */
  cursors(source: string): Promise<Map<string, string>>;
}

export type AlertEvent = { at: number; actor: string; action: string; fromState: string | null; toState: string | null; detail: unknown };

/** Alerts and actions: the card outbox's alerts, their cards and the audit log. */
export interface AlertRepository {
  getAlert(id: number): Promise<AlertView | null>;
  pendingAlerts(limit: number): Promise<AlertView[]>;
  markPosted(alertId: number, channelId: string, messageId: string, now: number): Promise<boolean>;
  markGrouped(leadId: number, alertIds: readonly number[], channelId: string, messageId: string, now: number): Promise<void>;
  groupMembers(leadId: number): Promise<number[]>;
  staleCards(limit: number): Promise<AlertView[]>;
  markCardFresh(alertId: number): Promise<void>;
  messageOf(alertId: number): Promise<{ channelId: string; messageId: string } | undefined>;
  /** Open alerts, most urgent and most overdue first; only those in `language` when given. */
  openAlerts(limit: number, language?: Language): Promise<AlertView[]>;
  findAlerts(text: string, limit: number): Promise<AlertView[]>;
  applyAction(alertId: number, action: AlertAction, actor: string, now: number, options?: ActionOptions): Promise<ActionResult>;
  alertEvents(alertId: number): Promise<AlertEvent[]>;
}

export type NotificationStatus = { kind: string; dueAt: number; late: boolean; status: 'pending' | 'sent' | 'snoozed' | 'superseded' };

/** SLA and notifications: policy versions, the sweep, reminders and escalations. */
export interface SlaRepository {
  recordPolicy(version: number, policy: string, now: number): Promise<string>;
  policies(): Promise<Map<number, string>>;
  sweepSla(now: number, eventsOf: SlaEventsOf, limit?: number): Promise<{ checked: number; created: number }>;
  pendingNotifications(limit: number): Promise<PendingNotification[]>;
  markNotificationSent(id: number, messageId: string, now: number): Promise<void>;
  notifications(alertId: number): Promise<NotificationStatus[]>;
}

/** Usage: posts read and requests made per source, stream and month. */
export interface UsageRepository {
  readsInMonth(at: number): Promise<MonthlyReads[]>;
}

export type ResponderStats = { responder: string; answered: number; medianMinutes: number; withinTarget: number };

/** How the SLA report's rows are read: with the posts' links (the CSV), and how many a chunk (tests ask for small ones). */
export interface SlaRowOptions {
  withUrls?: boolean;
  chunkRows?: number;
}

/** Report queries: the SLA report's rows, the queue, the responders. */
export interface ReportQueries {
  /**
   * The SLA report's rows of alerts that arrived in [from, to), by arrival then id, a chunk (up to
   * 5,000 unless `chunkRows` says) at a time: one await per chunk, not per row (a year's CSV is a
   * million rows). The posts' links only `withUrls`.
   */
  slaRowChunks(from: number, to: number, options?: SlaRowOptions): AsyncIterable<readonly SlaReportRow[]>;
  /** The same rows as arrays in the columns' order, for the CSV: no object per row. */
  slaRawRowChunks(from: number, to: number, options?: SlaRowOptions): AsyncIterable<readonly SlaRawRow[]>;
  urlsOf(alertIds: readonly number[]): Promise<Map<number, string>>;
  responderStats(since: number): Promise<ResponderStats[]>;
  queueSummary(now: number): Promise<QueueSummary>;
  counts(): Promise<{ mentions: number; alerts: number }>;
}

/** The card and notification outboxes' bookkeeping (see `OutboxQueries`). */
/** A card of the outbox: its lead alert and the alerts it carries (the lead need not be among them). */
export interface OutboxCard {
  leadId: number;
  memberIds: readonly number[];
}

/** A card the chat accepted, and where it is. */
export interface DeliveredCard extends OutboxCard {
  message: DeliveredMessage;
}

export interface OutboxRepository {
  /**
   * Claims up to `limit` alerts of the card outbox for this instance until `now + leaseMs` (claims
   * of a live instance are skipped, a lapsed one's are taken over) and returns them, most urgent first.
   */
  claimCards(limit: number, now: number, leaseMs: number): Promise<AlertView[]>;
  /**
   * Records, committed before the send, that the card is about to be sent, and renews the claim;
   * false (nothing written) when this instance no longer holds the claim of every alert on it.
   */
  markAttempted(leadId: number, alertIds: readonly number[], now: number, leaseMs?: number): Promise<boolean>;
  clearAttempt(alertIds: readonly number[]): Promise<void>;
  recordDelivery(leadId: number, memberIds: readonly number[], message: DeliveredMessage, now: number): Promise<boolean>;
  /**
   * {@link markAttempted} for several cards in one transaction, committed before any of them is
   * sent: returns the leads of the cards marked (a card whose claim was lost is not written at all).
   * The deliveries of cards `sent` before are recorded first in the same transaction (one commit
   * per chunk of cards: the previous chunk's "sent", this one's "sending").
   */
  markAttemptedMany(cards: readonly OutboxCard[], now: number, leaseMs?: number, sent?: readonly DeliveredCard[]): Promise<Set<number>>;
  /**
   * {@link recordDelivery} for several sent cards in one transaction (one commit per chunk of cards
   * instead of one per card): the "sent" half of the attempt {@link markAttemptedMany} wrote ahead.
   */
  recordDeliveries(cards: readonly DeliveredCard[], now: number): Promise<void>;
  recordFound(card: UnrecordedCard, message: DeliveredMessage, now: number): Promise<void>;
  /** Attempted and never recorded, not under another live instance's claim (it may be sending them now). */
  unrecordedCards(limit?: number, now?: number): Promise<UnrecordedCard[]>;
  setAside(alertId: number, reason: string, now: number): Promise<boolean>;
  putBack(alertId: number): Promise<boolean>;
  undeliverable(limit?: number): Promise<UndeliverableAlert[]>;
  countUndeliverable(): Promise<number>;
  /** Claims up to `limit` unsent notifications, oldest first, as {@link claimCards} does cards. */
  claimNotifications(limit: number, now: number, leaseMs: number): Promise<number[]>;
  /** Like {@link markAttempted}: false when this instance no longer holds the notification's claim. */
  markNotificationAttempted(id: number, now: number, leaseMs?: number): Promise<boolean>;
  unrecordedNotifications(limit?: number, now?: number): Promise<Array<{ id: number; attemptedAt: number }>>;
}

/** Label corrections made on cards. */
export interface CorrectionsRepository {
  record(alertId: number, correction: Correction, actor: string, at: number, previous?: string | null): Promise<void>;
  forAlert(alertId: number): Promise<RecordedCorrection[]>;
  between(from: number, to: number): Promise<RecordedCorrection[]>;
  labelledRows(): Promise<Array<{ id: string; text: string; urgency: Urgency; categories: Category[] }>>;
}

/** Operations: job runs, the health probe, the metric gauges. */
export interface OpsRepository {
  jobStarted(job: string, at: number): Promise<void>;
  jobFinished(job: string, startedAt: number, finishedAt: number, error: string | null): Promise<void>;
  jobRuns(): Promise<JobRun[]>;
  /**
   * Takes or renews this instance's lease on `job` until `now + ttlMs`; false while another live
   * instance holds it. A dead instance's lease is taken over (at once on PostgreSQL, whose instances
   * hold a liveness lock; SQLite runs one bot per file, so its leases are always granted).
   */
  takeLease(job: string, now: number, ttlMs: number): Promise<boolean>;
  gauges(): Promise<StoreGauges>;
  /** A problem with the database, or undefined when it answers. */
  probe(waitMs?: number): Promise<string | undefined>;
}

export type PurgeSummary = { id: number; at: number; reason: PurgeReason; cutoff: number | null; platform: string | null; mentions: number; alerts: number; replyTexts: number };

/** Retention and erasure on request. */
export interface RetentionRepository {
  purgeExpired(options: { cutoff: number; now: number; factsOf: FactsOf; batchSize?: number; signal?: AbortSignal }): Promise<PurgeResult>;
  purgeAuthor(options: { handle: string; platform?: string; now: number; factsOf: FactsOf }): Promise<PurgeResult>;
  purges(): Promise<PurgeSummary[]>;
}

/** Digest queries (see `DigestQueries`). */
export type DigestRepository = Pick<DigestQueries, keyof DigestQueries>;

/** Everything the core uses of the store. */
/** A claim lasts this long unless renewed (each send renews it): a dead instance's work is taken over after it. */
export const CLAIM_MS = 5 * 60_000;

/** The claimant id of this process. */
export function instanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface Store extends IngestRepository, AlertRepository, SlaRepository, UsageRepository, ReportQueries {
  /** `sqlite` (the default) or `postgres`. */
  readonly kind: 'sqlite' | 'postgres';
  /** This process's id in claims and leases (host, pid and a random part). */
  readonly instance: string;
  /** Where it is, for `triage doctor` and logs (a file path, or the URL without its password). */
  readonly location: string;
  readonly outbox: OutboxRepository;
  /** Deliveries per chat, when several chats are configured (portable SQL, one implementation). */
  readonly deliveries: DeliveryQueries;
  readonly corrections: CorrectionsRepository;
  readonly ops: OpsRepository;
  readonly digestQueries: DigestRepository;
  readonly retention: RetentionRepository;
  /** One account's queue (`/triage queue <account>`). */
  readonly accountQueries: AccountQueries;
  /** The web console's queue filters. */
  readonly consoleQueries: ConsoleQueries;
  /** Replies written on cards: the reply outbox, from draft to sent. */
  readonly replies: ReplyRepository;
  /** User-context logins for sending replies (X), tokens sealed with TRIAGE_SECRET_KEY. */
  readonly oauthLogins: OAuthLogins;
  /** Per-alert open-time minutes, stored when measured and read with the SLA report's rows (portable SQL, one implementation). */
  readonly alertMinutes: AlertMinutes;
  /** Saved source logins (synchronous: a rotated token is saved before the next request goes). */
  sessions(now?: () => number): { for(source: string, account: string): SessionStore };
  close(): Promise<void>;
}

/**
 * Runs portable SQL (`?` placeholders) on either adapter, for the small read models that sit beside
 * the repositories and are written once for both (an account's queue, the console's filters).
 */
export interface SqlRunner {
  all<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
  run(sql: string, params: readonly unknown[]): Promise<void>;
}

/** `2026-11` for a time in November 2026 (UTC). */
export function monthOf(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}
