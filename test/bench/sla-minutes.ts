import type { SqliteStore } from '../../src/store/sqlite-store.js';
import type { PipelineDeps } from '../../src/pipeline.js';
import { measureAlertMinutes } from '../../src/triage/sla-minutes.js';

type BenchStore = () => Promise<{ store: SqliteStore; deps: PipelineDeps; dispose(): Promise<void> }>;
type SeedAlerts = (store: SqliteStore, count: number, end: number, days: number, open: boolean) => void;

const msSince = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/**
 * The SLA report on a year of 1,000,000 alerts (issue 19) without and with the per-alert open
 * minutes stored: the latest week as Markdown (median of 5) and the whole year as CSV, the same text
 * both ways; and how fast a whole history is measured and stored. In process, SQLite.
 */
export async function benchSlaMinutes(benchStore: BenchStore, seedAlerts: SeedAlerts, count = 1_000_000): Promise<void> {
  const { slaReportText } = await import('../../src/commands/sla-report-command.js');
  const { store, deps, dispose } = await benchStore();
  try {
    const now = Date.now();
    seedAlerts(store, count, now, 365, false);
    store.db.exec('ANALYZE');
    const text = async (from: number, format: 'md' | 'csv') => {
      let all = '';
      for await (const chunk of slaReportText(store, deps.policies, { from, to: now + 1, format, now })) all += chunk;
      return all;
    };
    const run = async () => {
      const times: number[] = [];
      let week = '';
      for (let i = 0; i < 5; i++) {
        const t = process.hrtime.bigint();
        week = await text(now - 7 * 86_400_000, 'md');
        times.push(msSince(t));
      }
      const t = process.hrtime.bigint();
      const year = await text(now - 366 * 86_400_000, 'csv');
      return { weekMs: times.sort((a, b) => a - b)[2] as number, yearMs: msSince(t), week, year };
    };
    const without = await run();
    const t = process.hrtime.bigint();
    const measured = await measureAlertMinutes(store.alertMinutes, deps.policies.calendarOf);
    const backfillMs = msSince(t);
    const stored = await run();
    const same = without.week === stored.week && without.year === stored.year;
    console.log(`SLA report with per-alert open minutes stored, ${count.toLocaleString('en-US')} alerts over a year (SQLite, in process):`);
    console.log(`  latest week (median of 5): ${without.weekMs.toFixed(1)} ms computing the minutes, ${stored.weekMs.toFixed(1)} ms with them stored (ratio ${(without.weekMs / stored.weekMs).toFixed(2)})`);
    console.log(`  the whole year as CSV: ${(without.yearMs / 1000).toFixed(2)} s computing, ${(stored.yearMs / 1000).toFixed(2)} s stored; same text both ways: ${same}`);
    console.log(`  measuring and storing the whole history: ${measured.toLocaleString('en-US')} alerts in ${(backfillMs / 1000).toFixed(2)} s (${Math.round(measured / (backfillMs / 1000)).toLocaleString('en-US')}/s)`);
  } finally {
    await dispose();
  }
}
