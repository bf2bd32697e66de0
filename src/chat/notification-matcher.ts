import type { PendingNotification } from '../store/store-port.js';
import { describeNotification } from '../triage/describe-notification.js';

const SOMEONE = 'SOMEONE-9f1c';

/**
 * Recognises a notification we sent, from the text of a message read back after a crash. The text
 * is the shared one ({@link describeNotification}) as the chat's `render` draws it, except for who
 * has the alert, which may have changed since (a claim in between): any assignee, or none, matches.
 * `render` must work piece by piece (escaping, not rewording), as every chat's does.
 */
export function matchNotificationWith(n: PendingNotification, render: (text: string) => string): (content: string) => boolean {
  const withSomeone = describeNotification({ ...n, alert: { ...n.alert, assignee: SOMEONE } }).text;
  const [head, tail] = withSomeone.split(`claimed by ${SOMEONE}`) as [string, string | undefined];
  if (tail === undefined) {
    const whole = render(head);
    return (content) => content.includes(whole);
  }
  const start = render(head);
  const end = render(tail);
  return (content) => {
    const at = content.indexOf(start);
    return at !== -1 && content.indexOf(end, at + start.length) !== -1;
  };
}
