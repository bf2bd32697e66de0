import type Database from 'better-sqlite3';
import type { AlertView } from '../domain/alert.js';
import { isReminder } from '../triage/sla-events.js';
import { CLOCK_SELECT, toClock, type SqliteAlerts } from './sqlite-alerts.js';
import type { NotificationStatus, PendingNotification, SlaAlertClock, SlaEventsOf } from './store-port.js';

/** SLA policies, the sweep and notifications on SQLite (synchronous core of the `SlaRepository` port). */
export class SqliteSla {
  constructor(private readonly db: Database.Database, private readonly alerts: SqliteAlerts) {
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
        const { next, notes } = planSweep(alert, eventsOf(alert), now);
        let fired = 0;
        for (const n of notes) fired += insert.run(alert.id, n.kind, n.dueAt, now, n.late ? 1 : 0, n.hiddenAs ? now : null, n.hiddenAs).changes;
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
    return rows.map((r) => ({ id: r.id, kind: r.kind, dueAt: r.dueAt, late: r.late === 1, assigneeRef: r.assigneeRef, alert: this.alerts.getAlert(r.alertId) as AlertView }));
  }

  markNotificationSent(id: number, messageId: string, now: number): void {
    this.db.prepare('UPDATE sla_notifications SET sent_at = ?, message_id = ? WHERE id = ? AND sent_at IS NULL').run(now, messageId, id);
  }

  /** The reminders and escalations of an alert: sent, waiting to be sent, or hidden (snoozed, superseded). */
  notifications(alertId: number): NotificationStatus[] {
    return (this.db.prepare('SELECT kind, due_at AS dueAt, late, sent_at AS sentAt, message_id AS messageId FROM sla_notifications WHERE alert_id = ? ORDER BY due_at, id').all(alertId) as Array<{ kind: string; dueAt: number; late: number; sentAt: number | null; messageId: string | null }>)
      .map((n) => ({
        kind: n.kind,
        dueAt: n.dueAt,
        late: n.late === 1,
        status: n.sentAt === null ? 'pending' : n.messageId === 'snoozed' || n.messageId === 'superseded' ? n.messageId : 'sent',
      }));
  }
}

/** A reminder or escalation of one alert that has fallen due: recorded once, hidden when snoozed or superseded. */
export interface DueNotification {
  kind: string;
  dueAt: number;
  late: boolean;
  hiddenAs: 'snoozed' | 'superseded' | null;
}

/**
 * The sweep's decision for one alert (shared by every adapter): what fell due and the next check.
 * When several first-response events are due at once (Triage was down), only the latest is sent: a
 * 50% reminder is noise beside a breach; the others are recorded as superseded. `late` when one fell
 * due over two minutes ago, i.e. while Triage was down.
 */
export function planSweep(alert: SlaAlertClock, events: ReadonlyArray<{ kind: string; at: number }>, now: number): { next: number | null; notes: DueNotification[] } {
  let next: number | null = null;
  const notes: DueNotification[] = [];
  const latestFirstResponse = events.filter((e) => e.at <= now && e.kind !== 'resolution-breach').at(-1);
  for (const event of events) {
    if (event.at > now) {
      next ??= event.at;
      continue;
    }
    const snoozed = isReminder(event.kind) && alert.snoozedUntil !== null && alert.snoozedUntil > event.at;
    const superseded = event.kind !== 'resolution-breach' && event !== latestFirstResponse;
    notes.push({ kind: event.kind, dueAt: event.at, late: now - event.at > 120_000, hiddenAs: snoozed ? 'snoozed' : superseded ? 'superseded' : null });
  }
  return { next, notes };
}
