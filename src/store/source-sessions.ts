import type Database from 'better-sqlite3';
import type { SessionStore } from '../sources/session-store.js';

/**
 * The `source_sessions` table: one saved login per source account, written outside any batch (a
 * session is not a cursor: it changes whenever the platform rotates a token, even mid-sweep).
 */
export class SourceSessions {
  private readonly statements;

  constructor(db: Database.Database, private readonly now: () => number = Date.now) {
    this.statements = {
      load: db.prepare(`SELECT data FROM source_sessions WHERE source = ? AND account = ?`).pluck(),
      save: db.prepare(`
        INSERT INTO source_sessions (source, account, data, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (source, account) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`),
      clear: db.prepare(`DELETE FROM source_sessions WHERE source = ? AND account = ?`),
    };
  }

  /** The narrow port one adapter sees: its own account's row only. */
  for(source: string, account: string): SessionStore {
    return {
      load: () => this.statements.load.get(source, account) as string | undefined,
      save: (data) => void this.statements.save.run(source, account, data, this.now()),
      clear: () => void this.statements.clear.run(source, account),
    };
  }
}
