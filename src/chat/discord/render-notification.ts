import type { PendingNotification } from '../../store/store-port.js';
import { describeNotification } from '../../triage/describe-notification.js';
import { matchNotificationWith } from '../notification-matcher.js';
import { inert } from '../sanitize.js';

/** Room left in a message's 2,000 characters for the ping before and the card link after. */
const TEXT_MAX = 1800;

/** The words of an SLA reminder or escalation as Discord shows them: the shared text, made inert. */
export function renderNotificationText(n: PendingNotification): string {
  return inert(describeNotification(n).text, TEXT_MAX);
}

/**
 * Recognises a notification we sent, from the content of a message read back after a crash (see
 * {@link matchNotificationWith}).
 */
export function notificationMatcher(n: PendingNotification): (content: string) => boolean {
  return matchNotificationWith(n, (text) => inert(text, TEXT_MAX));
}
