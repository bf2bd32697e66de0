import { join } from 'node:path';
import { PgStore } from '../../src/store/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store-port.js';
import { postgresMissing, startPgCluster, type PgCluster } from './postgres.js';
import { tempDir } from './setup.js';

/** One database, which a test may open again as a restarted process would. */
export interface StorePlace {
  open(): Promise<Store>;
}

/** A store adapter for suites that run on both: a fresh database per `place()`. */
export interface StoreBackend {
  name: string;
  /** Why it cannot run here (PostgreSQL without its binaries, outside CI), or undefined. */
  missing: string | undefined;
  setup(): Promise<void>;
  place(): StorePlace;
  teardown(): Promise<void>;
}

/** SQLite (the default) and PostgreSQL (a throwaway cluster, databases named `<prefix>_<n>`). */
export function storeBackends(prefix: string): [StoreBackend, StoreBackend] {
  return [sqlite(), postgres(prefix)];
}

function sqlite(): StoreBackend {
  const temps: Array<ReturnType<typeof tempDir>> = [];
  return {
    name: 'SQLite',
    missing: undefined,
    async setup() {},
    place() {
      const temp = tempDir();
      temps.push(temp);
      return { open: async () => new SqliteStore(join(temp.dir, 'triage.db')) };
    },
    async teardown() {
      for (const temp of temps.splice(0)) temp.cleanup();
    },
  };
}

function postgres(prefix: string): StoreBackend {
  let cluster: PgCluster | undefined;
  let n = 0;
  return {
    name: 'PostgreSQL',
    missing: postgresMissing(),
    async setup() {
      cluster = await startPgCluster();
    },
    place() {
      const url = (cluster as PgCluster).createDatabase(`${prefix}_${++n}`);
      return { open: () => PgStore.open(url) };
    },
    async teardown() {
      cluster?.stop();
    },
  };
}
