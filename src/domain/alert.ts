import type { Category, Language, Sentiment, Urgency } from './classification.js';

export const ALERT_STATES = ['open', 'claimed', 'responded', 'resolved', 'snoozed', 'dismissed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_ACTIONS = ['claim', 'respond', 'resolve', 'snooze', 'dismiss', 'reopen', 'escalate', 'wait', 'resume'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

/**
 * Which action may be taken from which state. Snooze hides reminders only: the SLA clocks go on,
 * and a snoozed alert wakes up in the state it had (kept in `snoozedFrom`).
 */
const TRANSITIONS: Record<AlertAction, { from: readonly AlertState[]; to: AlertState | 'same' }> = {
  claim: { from: ['open', 'snoozed'], to: 'claimed' },
  respond: { from: ['open', 'claimed', 'snoozed'], to: 'responded' },
  resolve: { from: ['open', 'claimed', 'responded', 'snoozed'], to: 'resolved' },
  snooze: { from: ['open', 'claimed', 'responded'], to: 'snoozed' },
  dismiss: { from: ['open', 'claimed', 'snoozed'], to: 'dismissed' },
  reopen: { from: ['resolved', 'dismissed', 'responded'], to: 'open' },
  escalate: { from: ['open', 'claimed', 'snoozed', 'responded'], to: 'same' },
  // Waiting on the customer: we answered and asked something; the resolution clock pauses.
  wait: { from: ['open', 'claimed', 'responded', 'snoozed'], to: 'responded' },
  // The author wrote again in the conversation: the clock runs and the alert needs a person again.
  resume: { from: ['responded', 'resolved'], to: 'open' },
};

export type TransitionResult =
  | { ok: true; to: AlertState }
  | { ok: false; reason: string };

/** The state an alert moves to when `action` is taken in state `from`, or why it cannot be. */
export function transition(from: AlertState, action: AlertAction): TransitionResult {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(from)) return { ok: false, reason: `cannot ${action} an alert that is ${from}` };
  return { ok: true, to: rule.to === 'same' ? from : rule.to };
}

export function isClosed(state: AlertState): boolean {
  return state === 'resolved' || state === 'dismissed';
}

/** An alert as read from the store, joined with its mention and classification. */
export interface AlertView {
  id: number;
  mentionId: number;
  state: AlertState;
  urgency: Urgency;
  categories: Category[];
  sentiment: Sentiment;
  score: number;
  reasons: string[];
  /** The mention's language, as detected with its classification; absent reads as `en`. */
  language?: Language;
  createdAt: number;
  firstResponseDueAt: number | null;
  resolutionDueAt: number | null;
  policyVersion: number;
  assignee: string | null;
  firstResponseAt: number | null;
  respondedBy: string | null;
  resolvedAt: number | null;
  snoozedUntil: number | null;
  /** Set while waiting on the customer (the resolution clock is paused). */
  waitingSince: number | null;
  chatMessageId: string | null;
  mention: {
    platform: string;
    nativeId: string;
    url: string | null;
    text: string;
    createdAt: number;
    authorHandle: string;
    authorName: string | null;
    authorFollowers: number | null;
    inReplyToText: string | null;
    /** The account that heard it (see Mention.account); null before accounts were recorded. */
    account?: string | null;
    /** Google review stars (1–5). */
    stars?: number | null;
    /** A Facebook recommendation: true recommends, false does not. */
    recommends?: boolean | null;
  };
}
