import type { Config } from '../config.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store-port.js';

/** The configured store: SQLite at DATABASE_PATH (the default). */
export async function openStore(config: Pick<Config, 'databasePath'>): Promise<Store> {
  return new SqliteStore(config.databasePath);
}
