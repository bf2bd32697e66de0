import type { PendingNotification } from '../../store/sqlite-store.js';
import { describeNotification } from '../../triage/describe-notification.js';
import { inert } from '../sanitize.js';

/** Room left in a message's 2,000 characters for the ping before and the card link after. */
const TEXT_MAX = 1800;

/** The words of an SLA reminder or escalation as Discord shows them: the shared text, made inert. */
export function renderNotificationText(n: PendingNotification): string {
  return inert(describeNotification(n).text, TEXT_MAX);
}

const SOMEONE = 'SOMEONE-9f1c';

/**
 * Recognises a notification we sent, from the content of a message read back after a crash. The
 * text is the one {@link renderNotificationText} draws, except for who has the alert, which may have
 * changed since (a claim in between): any assignee, or none, matches.
 */
export function notificationMatcher(n: PendingNotification): (content: string) => boolean {
  const withSomeone = describeNotification({ ...n, alert: { ...n.alert, assignee: SOMEONE } }).text;
  const [head, tail] = withSomeone.split(`claimed by ${SOMEONE}`) as [string, string | undefined];
  if (tail === undefined) {
    const whole = inert(head, TEXT_MAX);
    return (content) => content.includes(whole);
  }
  const start = inert(head, TEXT_MAX);
  const end = inert(tail, TEXT_MAX);
  return (content) => {
    const at = content.indexOf(start);
    return at !== -1 && content.indexOf(end, at + start.length) !== -1;
  };
}
