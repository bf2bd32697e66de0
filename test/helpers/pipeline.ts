import { join } from 'node:path';
import type { PipelineDeps } from '../../src/pipeline.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { storePolicyBook } from '../../src/triage/policy-book.js';
import { classifier, lexicon, rawPolicy, readData, templates, tempDir } from './setup.js';
import { themesSchema, type DigestSources } from '../../src/digest/collect-digest.js';
import { createRedactor } from '../../src/digest/redact.js';
import { DigestQueries } from '../../src/store/digest-queries.js';
import { createMetrics } from '../../src/web/metrics.js';

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A pino destination that keeps every record, for asserting on logs without reading stdout. */
export function logCapture(): { records: LogRecord[]; write(line: string): void } {
  const records: LogRecord[] = [];
  return { records, write: (line: string) => void records.push(JSON.parse(line) as LogRecord) };
}

/** Real store in a temporary folder, real classifier and templates, logs captured. */
export async function pipelineFixture(now: () => number = Date.now) {
  const temp = tempDir();
  const path = join(temp.dir, 'triage.db');
  const store = new SqliteStore(path);
  const logs = logCapture();
  const log = createLogger('debug', logs);
  const policies = await storePolicyBook(store, rawPolicy, 'data/sla-policy.json', now());
  const deps: PipelineDeps = { store, classifier: classifier(), policy: policies.current, policies, templates, guard: createReplyGuard(lexicon), log, now, metrics: createMetrics() };
  const digest: DigestSources = { store, queries: new DigestQueries(store.db), policies, themes: readData('themes.json', themesSchema), redact: createRedactor(lexicon) };
  return {
    deps,
    digest,
    /** Replaced by tests that reopen the database as a restarted process would. */
    store,
    path,
    dir: temp.dir,
    logs,
    log,
    async close() {
      await store.close();
      temp.cleanup();
    },
  };
}
