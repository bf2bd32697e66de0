import type { Classification, Urgency } from '../domain/classification.js';
import { computeDueTimes, type DueTimes, type SlaPolicy } from './sla-policy.js';

export interface AlertPlan {
  urgency: Urgency;
  due: DueTimes | null;
  policyVersion: number;
}

/**
 * Whether a classified mention becomes an alert, and when its answers are due. Spam and chatter
 * with no category do not; everything a person should look at does, praise included (low, no clock).
 */
export function decideTriage(classification: Classification, arrivedAt: number, policy: SlaPolicy): AlertPlan | null {
  if (classification.urgency === 'ignore' || classification.categories.length === 0) return null;
  return {
    urgency: classification.urgency,
    due: computeDueTimes(policy, classification.urgency, arrivedAt),
    policyVersion: policy.version,
  };
}
