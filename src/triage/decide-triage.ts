import type { Classification, Urgency } from '../domain/classification.js';
import { computeDueTimes, type DueTimes, type SlaPolicy } from './sla-policy.js';

export interface AlertPlan {
  urgency: Urgency;
  due: DueTimes | null;
  policyVersion: number;
}

/**
 * Whether a classified mention becomes an alert, and when its answers are due. Spam and chatter
 * with no category do not; everything a person should look at does: praise (low, no clock), and an
 * urgent post with no category such as a reporter's inquiry.
 */
export function decideTriage(classification: Classification, arrivedAt: number, policy: SlaPolicy): AlertPlan | null {
  if (classification.urgency === 'ignore') return null;
  if (classification.categories.length === 0 && classification.urgency !== 'critical' && classification.urgency !== 'high') return null;
  return {
    urgency: classification.urgency,
    due: computeDueTimes(policy, classification.urgency, arrivedAt),
    policyVersion: policy.version,
  };
}
