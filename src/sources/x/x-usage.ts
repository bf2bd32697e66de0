import type { MonthlyReads } from '../../store/store-port.js';
import type { XStream } from './x-mention-source.js';

/**
 * Estimated price of one post read, USD (X's pay-per-use pricing as of 2026): own data is cheaper.
 * Kept here, not beside the source: `poll --once` prints the usage without loading twitter-api-v2.
 */
export const X_READ_PRICE_USD: Record<XStream, number> = { mentions: 0.001, own: 0.001, search: 0.005 };

/** Estimated USD for the posts read: own data (mentions, own timeline) is billed lower than search. */
export function estimateXCost(reads: readonly MonthlyReads[]): number {
  return reads.filter((r) => r.source === 'x').reduce((sum, r) => sum + r.reads * (X_READ_PRICE_USD[r.stream as XStream] ?? X_READ_PRICE_USD.search), 0);
}

/** "reads this month: 1,234 posts in 56 requests (mentions 1,000, search 234), about $2.17" or undefined when none. */
export function describeXUsage(reads: readonly MonthlyReads[], budget?: number): string | undefined {
  const x = reads.filter((r) => r.source === 'x');
  if (x.length === 0) return undefined;
  const total = x.reduce((n, r) => n + r.reads, 0);
  const requests = x.reduce((n, r) => n + r.requests, 0);
  const perStream = x.map((r) => `${r.stream} ${r.reads.toLocaleString('en-US')}`).join(', ');
  const budgetNote = budget === undefined ? '' : ` of a ${budget.toLocaleString('en-US')} budget`;
  return `reads this month: ${total.toLocaleString('en-US')} posts${budgetNote} in ${requests.toLocaleString('en-US')} requests (${perStream}), about $${estimateXCost(x).toFixed(2)}`;
}
