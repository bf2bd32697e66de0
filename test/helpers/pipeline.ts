import { join } from 'node:path';
import type { PipelineDeps } from '../../src/pipeline.js';
import { createLogger } from '../../src/logger.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { createReplyGuard } from '../../src/triage/reply-guard.js';
import { classifier, lexicon, policy, templates, tempDir } from './setup.js';

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
export function pipelineFixture(now: () => number = Date.now) {
  const temp = tempDir();
  const path = join(temp.dir, 'triage.db');
  const store = new SqliteStore(path);
  const logs = logCapture();
  const log = createLogger('debug', logs);
  const deps: PipelineDeps = { store, classifier: classifier(), policy, templates, guard: createReplyGuard(lexicon), log, now };
  return {
    deps,
    store,
    path,
    dir: temp.dir,
    logs,
    log,
    close() {
      store.close();
      temp.cleanup();
    },
  };
}
