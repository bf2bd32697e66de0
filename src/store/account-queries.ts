import { URGENCIES, type Urgency } from '../domain/classification.js';
import type { SqlRunner } from './store-port.js';

/** The queue of one account (its mentions' `account`), for `/triage queue <account>`. Portable SQL. */
export class AccountQueries {
  constructor(private readonly sql: SqlRunner) {}

  /** Open alerts of the account, in the queue's order (most urgent, soonest due first). */
  async openAlertIds(account: string, limit: number): Promise<number[]> {
    const rows = await this.sql.all<{ id: number }>(`
      SELECT a.id FROM alerts a JOIN mentions m ON m.id = a.mention_id
      WHERE m.account = ? AND a.state NOT IN ('resolved', 'dismissed') AND a.coalesced_into IS NULL
      ORDER BY a.urgency_rank, COALESCE(a.first_response_due_at, a.resolution_due_at, 9000000000000000), a.id LIMIT ?`, [account, limit]);
    return rows.map((r) => Number(r.id));
  }

  /** Open alerts of the account by urgency, and how many are past their first-response target. */
  async openCounts(account: string, now: number): Promise<{ open: Record<Urgency, number>; total: number; breached: number }> {
    const open = Object.fromEntries(URGENCIES.map((u) => [u, 0])) as Record<Urgency, number>;
    let total = 0;
    let breached = 0;
    const rows = await this.sql.all<{ urgency: Urgency; n: number; late: number }>(`
      SELECT a.urgency, COUNT(*) AS n,
             SUM(CASE WHEN a.state != 'responded' AND a.first_response_at IS NULL AND a.first_response_due_at < ? THEN 1 ELSE 0 END) AS late
      FROM alerts a JOIN mentions m ON m.id = a.mention_id
      WHERE m.account = ? AND a.state NOT IN ('resolved', 'dismissed') GROUP BY a.urgency`, [now, account]);
    for (const row of rows) {
      open[row.urgency] = Number(row.n);
      total += Number(row.n);
      breached += Number(row.late);
    }
    return { open, total, breached };
  }
}
