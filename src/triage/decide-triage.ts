import type { Classification, Urgency } from '../domain/classification.js';
import { slaEvents } from './sla-events.js';
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
  const first = target && due
    ? slaEvents({ arrivedAt, ...due, firstResponseAt: null, resolvedAt: null, waitingSince: null }, target, policy)[0]?.at ?? null
    : null;
  return { urgency: classification.urgency, due, policyVersion: policy.version, nextSlaCheckAt: first };
}
