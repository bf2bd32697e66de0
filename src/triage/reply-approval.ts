import { readCrisisFlag, type Category, type Urgency } from '../domain/classification.js';

/**
 * Who must look at a reply before it goes (data/accounts.json `approval`): `none`, replies go when
 * the guard passes them; `flagged`, replies to alerts the classifier flagged as sensitive (critical
 * or high urgency, or a post that may carry health information) wait for a second person; `all`,
 * every reply does.
 */
export const APPROVAL_POLICIES = ['none', 'flagged', 'all'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export interface ApprovalNeed {
  required: boolean;
  /** Why, as the approver and the author read it; undefined when not required. */
  reason?: string;
}

/**
 * Whether a reply to this alert needs a second person. Replies to a crisis or a possible crisis
 * always do, whatever the account says: a wrong word there harms someone.
 */
export function approvalFor(policy: ApprovalPolicy, alert: { categories: readonly Category[]; urgency: Urgency; reasons: readonly string[] }): ApprovalNeed {
  const crisis = readCrisisFlag({ categories: [...alert.categories], urgency: alert.urgency, reasons: [...alert.reasons] });
  if (crisis) return { required: true, reason: crisis.tier === 'crisis' ? 'a reply to a crisis needs a second person' : 'a reply to a possible crisis needs a second person' };
  if (policy === 'all') return { required: true, reason: 'this account approves every reply' };
  if (policy === 'flagged') {
    if (alert.urgency === 'critical' || alert.urgency === 'high') return { required: true, reason: `this account approves replies to ${alert.urgency} alerts` };
    if (alert.categories.includes('phi')) return { required: true, reason: 'this account approves replies to posts with health information' };
  }
  return { required: false };
}
