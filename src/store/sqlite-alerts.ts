import type Database from 'better-sqlite3';
import type { AlertAction, AlertState, AlertView } from '../domain/alert.js';
import { transition } from '../domain/alert.js';
import type { Category, Language, Sentiment, Urgency } from '../domain/classification.js';
import type { ActionOptions, ActionResult, AlertEvent, SlaAlertClock } from './store-port.js';

export interface AlertRow {
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

export const ALERT_SELECT = `
  SELECT a.id, a.mention_id, a.state, a.urgency, a.created_at, a.first_response_due_at, a.resolution_due_at,
         a.policy_version, a.assignee, a.first_response_at, a.responded_by, a.resolved_at, a.snoozed_until,
         a.snoozed_from, a.waiting_since, a.chat_message_id, c.sentiment, c.score, c.categories, c.reasons, c.language, m.platform, m.native_id,
         m.url, m.text, m.created_at AS mention_created_at, m.author_handle, m.author_name, m.author_followers,
         m.in_reply_to_text, m.account, m.stars, m.recommends
  FROM alerts a JOIN mentions m ON m.id = a.mention_id JOIN classifications c ON c.mention_id = a.mention_id`;

/**
 * The brand replied on the platform (seen at ingest): the first response is the reply's time (the
 * earliest wins), and an alert still waiting on us is responded. Named parameters @id, @at, @by, @now;
 * the same text on both adapters.
 */
export const RESPONDED_ON_PLATFORM = `UPDATE alerts SET
  first_response_at = CASE WHEN first_response_at IS NULL OR first_response_at > @at THEN @at ELSE first_response_at END,
  responded_by = CASE WHEN first_response_at IS NULL OR first_response_at > @at THEN @by ELSE responded_by END,
  state = CASE WHEN state IN ('open', 'claimed', 'snoozed') THEN 'responded' ELSE state END,
  snoozed_until = CASE WHEN state = 'snoozed' THEN NULL ELSE snoozed_until END,
  card_stale = CASE WHEN chat_message_id IS NOT NULL THEN 1 ELSE card_stale END,
  updated_at = @now
WHERE id = @id`;

export const CLOCK_SELECT = `
  SELECT a.id, a.policy_version AS policyVersion, a.urgency, c.categories, a.arrived_at AS arrivedAt,
         a.first_response_due_at AS firstResponseDueAt, a.resolution_due_at AS resolutionDueAt,
         a.first_response_at AS firstResponseAt, a.resolved_at AS resolvedAt, a.waiting_since AS waitingSince,
         a.snoozed_until AS snoozedUntil
  FROM alerts a JOIN classifications c ON c.mention_id = a.mention_id`;

export function toClock(row: Omit<SlaAlertClock, 'categories'> & { categories: string }): SlaAlertClock {
  return { ...row, categories: JSON.parse(row.categories) as Category[] };
}

export function toView(row: AlertRow): AlertView {
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
      recommends: row.recommends === null ? null : Number(row.recommends) === 1,
    },
  };
}

/** Alerts and actions on SQLite (synchronous core of the `AlertRepository` port; `SqliteStore` exposes it async). */
export class SqliteAlerts {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insertEvent: db.prepare(`
        INSERT INTO alert_events (alert_id, at, actor, action, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
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
    };
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
      const plan = planAction(this.getAlert(alertId), alertId, action, actor, now, options);
      if ('result' in plan) return plan.result;
      const changed = this.db.prepare(`UPDATE alerts SET ${plan.sets.join(', ')} WHERE id = @id AND state = @from`).run(plan.params).changes;
      if (changed !== 1) return { ok: false, reason: 'the alert changed meanwhile; try again', alert: this.getAlert(alertId) };
      this.statements.insertEvent.run(alertId, now, actor, action, plan.from, plan.to, plan.detail);
      return { ok: true, alert: this.getAlert(alertId) as AlertView, changed: true };
    });
    return run.immediate();
  }

  /** The audit log of one alert, oldest first. */
  alertEvents(alertId: number): AlertEvent[] {
    return (this.db.prepare('SELECT at, actor, action, from_state, to_state, detail FROM alert_events WHERE alert_id = ? ORDER BY id').all(alertId) as Array<{
      at: number; actor: string; action: string; from_state: string | null; to_state: string | null; detail: string | null;
    }>).map((r) => ({ at: r.at, actor: r.actor, action: r.action, fromState: r.from_state, toState: r.to_state, detail: r.detail ? JSON.parse(r.detail) : null }));
  }
}

/** What an action does to an alert: an answer without a change, or the update (named `@` parameters) and its audit entry. */
export type ActionPlan =
  | { result: ActionResult }
  | { sets: string[]; params: Record<string, unknown>; from: AlertState; to: AlertState; detail: string | null };

/** Decides an action on the alert as it stands (shared by every adapter; the adapter runs the update in one transaction). */
export function planAction(current: AlertView | null, alertId: number, action: AlertAction, actor: string, now: number, options: ActionOptions = {}): ActionPlan {
  if (!current) return { result: { ok: false, reason: `alert #${alertId} does not exist`, alert: null } };
  if (action === 'claim' && current.state === 'claimed') {
    return {
      result: current.assignee === actor
        ? { ok: true, alert: current, changed: false }
        : { ok: false, reason: `already claimed by ${current.assignee ?? 'someone'}`, alert: current },
    };
  }
  if ((action === 'respond' && current.state === 'responded') || (action === 'resolve' && current.state === 'resolved') || (action === 'dismiss' && current.state === 'dismissed')) {
    return { result: { ok: true, alert: current, changed: false } };
  }
  const next = transition(current.state, action);
  if (!next.ok) return { result: { ok: false, reason: next.reason, alert: current } };
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
  const detail = {
    ...options.detail,
    ...(action === 'snooze' && { until: params.until }),
    ...(action === 'resume' && options.resumed && { pausedOpenMinutes: options.resumed.pausedOpenMinutes }),
    ...(options.reason !== undefined && { reason: options.reason }),
  };
  return { sets, params, from: current.state, to: next.to, detail: Object.keys(detail).length > 0 ? JSON.stringify(detail) : null };
}
