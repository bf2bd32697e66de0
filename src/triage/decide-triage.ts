import { readCrisisFlag, type Classification, type CrisisFlag, type Urgency } from '../domain/classification.js';
import { computeDueTimes, type CompiledPolicy, type DueTimes } from './sla-policy.js';

export interface AlertPlan {
  urgency: Urgency;
  due: DueTimes | null;
  policyVersion: number;
  /** When the SLA sweep should first look at it (its first reminder), or null when it has no clock. */
  nextSlaCheckAt: number | null;
  /**
   * Set for a crisis of either tier. `possible` is the card's "check now": a person confirms it
   * (the crisis runbook and reply) or clears it.
   */
  crisis?: CrisisFlag;
}

/**
 * Whether a classified mention becomes an alert, and when its answers are due. Spam and chatter
 * with no category do not; everything a person should look at does: praise (low, no clock), and an
 * urgent post with no category such as a reporter's inquiry. A crisis, confident or possible, always
 * does, as critical: critical alerts take the urgent route (their own card, first, in the urgent
 * channel) on the critical clock.
 */
export function decideTriage(classification: Classification, arrivedAt: number, policy: CompiledPolicy): AlertPlan | null {
  const crisis = classification.crisis ?? readCrisisFlag(classification);
  const urgency: Urgency = crisis ? 'critical' : classification.urgency;
  if (urgency === 'ignore') return null;
  if (classification.categories.length === 0 && urgency !== 'critical' && urgency !== 'high') return null;
  const target = policy.targetFor(urgency, classification.categories);
  const due = computeDueTimes(policy, urgency, arrivedAt, classification.categories);
  // The first event of a new alert is its earliest reminder (or the breach when there are none).
  const earliest = policy.reminderFractions[0];
  const first = target && due ? (earliest === undefined ? due.firstResponseDueAt : target.calendar.addOpenMinutes(arrivedAt, earliest * target.firstResponseMinutes)) : null;
  const plan: AlertPlan = { urgency, due, policyVersion: policy.version, nextSlaCheckAt: first };
  if (crisis) plan.crisis = crisis;
  return plan;
}
