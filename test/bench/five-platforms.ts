import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { SqliteStore } from '../../src/store/sqlite-store.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { configuredSources } from '../../src/main.js';
import { pollSource, type PollResult } from '../../src/pipeline.js';

/**
 * The issue's benchmark: 5 platforms × `perPlatform` accounts from data/accounts.json, each with
 * `perAccount` new mentions on its own fake (in a worker thread), polled in one cycle through the
 * real wiring (configuredSources, real clients, real HTTP on 127.0.0.1) into a SQLite file: fetch,
 * parse, classify, store.
 */
export async function benchFivePlatforms(perPlatform = 20, perAccount = 100): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'triage-bench-accounts-'));
  const worker = new Worker(new URL('./accounts-fakes-worker.js', import.meta.url), { workerData: { perPlatform, perAccount } });
  try {
    const fakes = await new Promise<{ accounts: object[]; env: Record<string, string> }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const env = { ...fakes.env, DATABASE_PATH: join(dir, 'bench.db'), ACCOUNTS_PATH: join(dir, 'accounts.json'), LOG_LEVEL: 'silent' };
    writeFileSync(env.ACCOUNTS_PATH, JSON.stringify({ accounts: fakes.accounts }));
    const app = await createApp(loadConfig(env, dir));
    try {
      const signal = new AbortController().signal;
      const sources = configuredSources(app, { signal });
      const total: PollResult = { read: 0, inserted: 0, duplicates: 0, alerts: 0, responded: 0 };
      const perPlatformSeconds = new Map<string, number>();
      const t0 = process.hrtime.bigint();
      for (const source of sources) {
        const t = process.hrtime.bigint();
        const result = await pollSource(source, app.deps, signal);
        const platform = source.name.split(':')[0]!;
        perPlatformSeconds.set(platform, (perPlatformSeconds.get(platform) ?? 0) + Number(process.hrtime.bigint() - t) / 1e9);
        for (const key of Object.keys(total) as Array<keyof PollResult>) total[key] += result[key];
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const byPlatform = (app.store as SqliteStore).db.prepare('SELECT platform, COUNT(*) AS n FROM mentions GROUP BY platform ORDER BY platform').all() as Array<{ platform: string; n: number }>;
      console.log(`Accounts (5 platforms × ${perPlatform} accounts from data/accounts.json, ${perAccount} new mentions each, one poll cycle; real clients against ${sources.length} local fakes in a worker thread; SQLite WAL file):`);
      console.log(`  ${total.inserted.toLocaleString('en-US')} mentions stored in ${seconds.toFixed(2)} s (${Math.round(total.inserted / seconds).toLocaleString('en-US')}/s; ${total.alerts.toLocaleString('en-US')} alerts, ${total.duplicates} duplicates); target 10,000 in < 5 s`);
      console.log(`  per platform: ${byPlatform.map((r) => `${r.platform} ${r.n.toLocaleString('en-US')} in ${(perPlatformSeconds.get(r.platform) ?? 0).toFixed(2)} s`).join(', ')}`);
    } finally {
      app.close();
    }
  } finally {
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}
