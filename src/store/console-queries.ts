import type Database from 'better-sqlite3';
import type { AlertState } from '../domain/alert.js';
import type { Urgency } from '../domain/classification.js';

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
 * `store.getAlert`) and the platforms seen. Portable SQL (no SQLite-only syntax), to be mirrored
 * on PostgreSQL.
 */
export class ConsoleQueries {
  constructor(private readonly db: Database.Database) {}

  queueIds(filter: QueueFilter): number[] {
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
    return this.db.prepare(sql).pluck().all(...args, filter.limit) as number[];
  }

  /** Asks the chat to redraw a posted card (an action taken in the console). */
  markStale(alertId: number): void {
    this.db.prepare('UPDATE alerts SET card_stale = 1 WHERE id = ? AND chat_message_id IS NOT NULL').run(alertId);
  }

  platforms(): string[] {
    return this.db.prepare('SELECT DISTINCT platform FROM mentions ORDER BY platform').pluck().all() as string[];
  }
}
