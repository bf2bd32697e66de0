import { orderedSessionWrites, type SessionStore } from '../sources/session-store.js';
import type { SqlRunner } from './store-port.js';

/**
 * The `source_sessions` table: one saved login per source account, written outside any batch (a
 * session is not a cursor: it changes whenever the platform rotates a token, even mid-sweep). The
 * same portable SQL on both adapters.
 */
export class SourceSessions {
  constructor(private readonly sql: SqlRunner, private readonly now: () => number = Date.now) {}

  /** The narrow port one adapter sees: its own account's row only. */
  for(source: string, account: string): SessionStore {
    return orderedSessionWrites(
      async () => (await this.sql.all<{ data: string }>(`SELECT data FROM source_sessions WHERE source = ? AND account = ?`, [source, account]))[0]?.data,
      (data) =>
        data === undefined
          ? this.sql.run(`DELETE FROM source_sessions WHERE source = ? AND account = ?`, [source, account])
          : this.sql.run(`INSERT INTO source_sessions (source, account, data, updated_at) VALUES (?, ?, ?, ?)
              ON CONFLICT (source, account) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, [source, account, data, this.now()]),
    );
  }
}
