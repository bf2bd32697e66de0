import type { Classification, Urgency } from '../domain/classification.js';
import { computeDueTimes, type CompiledPolicy, type DueTimes } from './sla-policy.js';

export interface AlertPlan {
  urgency: Urgency;
  due: DueTimes | null;
  policyVersion: number;
  /** When the SLA sweep should first look at it (its first reminder), or null when it has no clock. */
  nextSlaCheckAt: number | null;
}

/**
 * Whether a classified mention becomes an alert, and when its answers are due. Spam and chatter
 * with no category do not; everything a person should look at does: praise (low, no clock), and an
 * urgent post with no category such as a reporter's inquiry.
 */
export function decideTriage(classification: Classification, arrivedAt: number, policy: CompiledPolicy): AlertPlan | null {
  if (classification.urgency === 'ignore') return null;
  if (classification.categories.length === 0 && classification.urgency !== 'critical' && classification.urgency !== 'high') return null;
  const target = policy.targetFor(classification.urgency, classification.categories);
  const due = computeDueTimes(policy, classification.urgency, arrivedAt, classification.categories);
  // The first event of a new alert is its earliest reminder (or the breach when there are none).
  const earliest = policy.reminderFractions[0];
  const first = target && due ? (earliest === undefined ? due.firstResponseDueAt : target.calendar.addOpenMinutes(arrivedAt, earliest * target.firstResponseMinutes)) : null;
  return { urgency: classification.urgency, due, policyVersion: policy.version, nextSlaCheckAt: first };
}
