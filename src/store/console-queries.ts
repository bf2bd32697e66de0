import type { AlertState } from '../domain/alert.js';
import type { Urgency } from '../domain/classification.js';
import type { SqlRunner } from './store-port.js';

/** What the console's queue can be narrowed to. */
export interface QueueFilter {
  urgency?: Urgency | undefined;
  /** A state, or `open` for every state not closed (the default). */
  state?: AlertState | 'any' | undefined;
  /** The platform (the account's network): `x`, `bluesky`… */
  platform?: string | undefined;
  /** Only alerts past their first-response target with no response yet. */
  overdue?: boolean | undefined;
  now: number;
  limit: number;
}

/**
 * The console's reads beside the store: the queue with its filters (ids, read through
 * `store.getAlert`) and the platforms seen. Portable SQL, run on either adapter.
 */
export class ConsoleQueries {
  constructor(private readonly sql: SqlRunner) {}

  async queueIds(filter: QueueFilter): Promise<number[]> {
    const where = ['a.coalesced_into IS NULL'];
    const args: Array<string | number> = [];
    const state = filter.state ?? 'open';
    if (state === 'open') where.push("a.state NOT IN ('resolved', 'dismissed')");
    else if (state !== 'any') {
      where.push('a.state = ?');
      args.push(state);
    }
    if (filter.urgency) {
      where.push('a.urgency = ?');
      args.push(filter.urgency);
    }
    if (filter.platform) {
      where.push('m.platform = ?');
      args.push(filter.platform);
    }
    if (filter.overdue) {
      where.push('a.first_response_at IS NULL AND a.first_response_due_at IS NOT NULL AND a.first_response_due_at <= ?');
      args.push(filter.now);
    }
    const sql = `SELECT a.id FROM alerts a JOIN mentions m ON m.id = a.mention_id WHERE ${where.join(' AND ')}
      ORDER BY a.urgency_rank, COALESCE(a.first_response_due_at, a.resolution_due_at, 9000000000000000), a.id LIMIT ?`;
    return (await this.sql.all<{ id: number }>(sql, [...args, filter.limit])).map((r) => Number(r.id));
  }

  /** Asks the chat to redraw a posted card (an action taken in the console). */
  async markStale(alertId: number): Promise<void> {
    await this.sql.run('UPDATE alerts SET card_stale = 1 WHERE id = ? AND chat_message_id IS NOT NULL', [alertId]);
  }

  async platforms(): Promise<string[]> {
    return (await this.sql.all<{ platform: string }>('SELECT DISTINCT platform FROM mentions ORDER BY platform', [])).map((r) => r.platform);
  }
}
