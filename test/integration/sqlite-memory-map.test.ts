import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openReportApp } from '../../src/report-app.js';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers/setup.js';

describe('the SQLite memory map', () => {
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db'), LOG_LEVEL: 'silent' };
  });
  afterEach(() => temp.cleanup());

  const mapped = (store: unknown) => (store as SqliteStore).db.pragma('mmap_size', { simple: true });

  it('maps the database for the reports, not for the bot and poll, whose ingest would map every index page it updates', async () => {
    const report = await openReportApp(loadConfig(env, temp.dir));
    try {
      expect(mapped(report.store)).toBe(1073741824);
    } finally {
      await report.close();
    }
    const app = await createApp(loadConfig(env, temp.dir));
    try {
      expect(mapped(app.store)).toBe(0);
    } finally {
      await app.close();
    }
  });
});
