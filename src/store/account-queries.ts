import type Database from 'better-sqlite3';
import { URGENCIES, type Urgency } from '../domain/classification.js';

/** The queue of one account (its mentions' `account`), for `/triage queue <account>`. Portable SQL. */
export class AccountQueries {
  constructor(private readonly db: Database.Database) {}

  /** Open alerts of the account, in the queue's order (most urgent, soonest due first). */
  openAlertIds(account: string, limit: number): number[] {
    return this.db.prepare(`
      SELECT a.id FROM alerts a JOIN mentions m ON m.id = a.mention_id
      WHERE m.account = ? AND a.state NOT IN ('resolved', 'dismissed') AND a.coalesced_into IS NULL
      ORDER BY a.urgency_rank, COALESCE(a.first_response_due_at, a.resolution_due_at, 9e15), a.id LIMIT ?`).pluck().all(account, limit) as number[];
  }

  /** Open alerts of the account by urgency, and how many are past their first-response target. */
  openCounts(account: string, now: number): { open: Record<Urgency, number>; total: number; breached: number } {
    const open = Object.fromEntries(URGENCIES.map((u) => [u, 0])) as Record<Urgency, number>;
    let total = 0;
    let breached = 0;
    const rows = this.db.prepare(`
      SELECT a.urgency, COUNT(*) AS n,
             SUM(CASE WHEN a.state != 'responded' AND a.first_response_at IS NULL AND a.first_response_due_at < ? THEN 1 ELSE 0 END) AS late
      FROM alerts a JOIN mentions m ON m.id = a.mention_id
      WHERE m.account = ? AND a.state NOT IN ('resolved', 'dismissed') GROUP BY a.urgency`).all(now, account) as Array<{ urgency: Urgency; n: number; late: number }>;
    for (const row of rows) {
      open[row.urgency] = row.n;
      total += row.n;
      breached += row.late;
    }
    return { open, total, breached };
  }
}
