import type { Config } from '../config.js';
import type { Store } from './store-port.js';
import type { SqliteOptions } from './sqlite-store.js';

/**
 * The configured store: PostgreSQL when DATABASE_URL is set (several instances on one database),
 * else SQLite at DATABASE_PATH (the default). Each adapter is loaded only when it is used.
 */
export async function openStore(config: Pick<Config, 'databasePath' | 'databaseUrl'>, options: SqliteOptions = {}): Promise<Store> {
  if (config.databaseUrl !== undefined) {
    const { PgStore } = await import('./pg-store.js');
    return PgStore.open(config.databaseUrl);
  }
  const { SqliteStore } = await import('./sqlite-store.js');
  return new SqliteStore(config.databasePath, options);
}
