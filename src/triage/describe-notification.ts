import type { PendingNotification } from '../store/store-port.js';
import { isReminder } from './sla-events.js';

/** Who a notification is for: the assignee (reminders), the lead role (breaches), or the channel. */
export type NotificationAudience = 'assignee' | 'lead' | 'channel';

/** The words of an SLA reminder or escalation, the same on every chat. */
export function describeNotification(n: PendingNotification): { text: string; audience: NotificationAudience } {
  const a = n.alert;
  const who = a.assignee ? `claimed by ${a.assignee}` : 'unclaimed';
  const late = n.late ? ' (sent late: Triage was not running when this fell due)' : '';
  if (isReminder(n.kind)) {
    const pct = n.kind.slice('reminder-'.length);
    return { text: `Reminder: alert #${a.id} (${a.urgency}, ${who}) has used ${pct}% of its first-response time${late}.`, audience: a.assignee ? 'assignee' : 'channel' };
  }
  if (n.kind === 'breach') return { text: `Past target: alert #${a.id} (${a.urgency}, ${who}) has had no first response by its due time${late}.`, audience: 'lead' };
  if (n.kind === 'breach-2') return { text: `Still unanswered: alert #${a.id} (${a.urgency}, ${who}) is well past its first-response target${late}.`, audience: 'lead' };
  if (n.kind === 'resolution-breach') return { text: `Resolution target passed: alert #${a.id} (${a.urgency}, ${who}) is still open${late}.`, audience: 'lead' };
  return { text: `SLA: ${n.kind} for alert #${a.id}${late}.`, audience: 'channel' };
}
