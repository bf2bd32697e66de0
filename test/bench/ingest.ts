import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createApp } from '../../src/app.js';
import { loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { configuredSources } from '../../src/main.js';
import { pollSource } from '../../src/pipeline.js';
import { postgresMissing, startPgCluster } from '../helpers/postgres.js';
import { startNodeFlags } from '../helpers/start-flags.js';

/** The texts replayed: the airline set (public complaints) when present, else the bundled sample. */
function texts(): string[] {
  const airline = join(PROJECT_ROOT, '..', 'shared', 'datasets', 'airline.jsonl');
  const file = existsSync(airline) ? airline : join(PROJECT_ROOT, 'data', 'sample-mentions.jsonl');
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { text: string }).text);
}

/**
 * Writes `count` replay rows: 50,000 authors (so "complaints this week" finds some), every tenth
 * post in a conversation of ten, 30 s apart. Streamed, so a million rows never sit in memory.
 */
export async function writeReplay(path: string, count: number): Promise<void> {
  const all = texts();
  const out = createWriteStream(path);
  const start = Date.UTC(2026, 0, 1);
  const base = 1_800_000_000_000_000_000n;
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {
      platform: 'x',
      id: String(base + BigInt(i)),
      author: { id: String(1000 + (i % 50_000)), handle: `user_${i % 50_000}` },
      text: all[i % all.length],
      created_at: new Date(start + i * 30_000).toISOString(),
    };
    if (i % 10 === 0) row.conversation_id = String(base + BigInt(i - (i % 100)));
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

function writtenBytes(): number {
  const match = /write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

export interface IngestRun {
  inserted: number;
  alerts: number;
  seconds: number;
  /** Bytes this process wrote to disk meanwhile (WAL and checkpoints included), from /proc/self/io. */
  written: number;
}

/**
 * The `poll --once --replay FILE` path without the chat: the app built from `env` (SQLite at
 * DATABASE_PATH, or DATABASE_URL), the configured replay source, every batch classified and
 * stored with its cursor. Only the poll is timed.
 */
export async function ingestReplay(env: Record<string, string>, cwd: string, replay: string): Promise<IngestRun> {
  const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...env }, cwd));
  try {
    const signal = new AbortController().signal;
    const [source] = configuredSources(app, { replay, signal });
    const before = writtenBytes();
    const t0 = process.hrtime.bigint();
    const result = await pollSource(source!, app.deps, signal);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await app.close();
    return { inserted: result.inserted, alerts: result.alerts, seconds, written: writtenBytes() - before };
  } catch (error) {
    await app.close();
    throw error;
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * The ingest figures: replay → classify → store on SQLite (target ≥ 20,000/s) and on a
 * throwaway PostgreSQL cluster (≥ 5,000/s), console printing excluded (no chat at all), and the
 * peak RSS of a child process that ingests 1,000,000 (< 300 MB), run as `npm start` runs Node.
 * `INGEST_BENCH_COUNT`, `INGEST_BENCH_PG_COUNT` and `INGEST_BENCH_RSS_COUNT` change the sizes.
 */
export async function benchIngest(): Promise<void> {
  const count = Number(process.env.INGEST_BENCH_COUNT ?? 100_000);
  const pgCount = Number(process.env.INGEST_BENCH_PG_COUNT ?? 100_000);
  const rssCount = Number(process.env.INGEST_BENCH_RSS_COUNT ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'triage-bench-ingest-'));
  try {
    const replay = join(dir, 'replay.jsonl');
    await writeReplay(replay, count);
    const dbPath = join(dir, 'sqlite.db');
    const sqlite = await ingestReplay({ DATABASE_PATH: dbPath }, dir, replay);
    const size = statSync(dbPath).size;
    console.log(`ingest through poll --once --replay, no chat (${fmt(count)} rows, ${mb(statSync(replay).size)} of JSON Lines):`);
    console.log(`  SQLite       ${fmt(sqlite.inserted / sqlite.seconds).padStart(7)} mentions/s (${fmt(sqlite.inserted)} stored, ${fmt(sqlite.alerts)} alerts, ${sqlite.seconds.toFixed(2)} s; target ≥ 20,000/s)`);
    console.log(`               ${mb(sqlite.written)} written for a ${mb(size)} database (${(sqlite.written / size).toFixed(1)} ×; WAL then checkpoint is 2 ×)`);

    const missing = postgresMissing();
    if (missing !== undefined) {
      console.log(`  PostgreSQL   skipped: ${missing}`);
    } else {
      const cluster = await startPgCluster();
      try {
        const pgReplay = join(dir, 'replay-pg.jsonl');
        await writeReplay(pgReplay, pgCount);
        const pg = await ingestReplay({ DATABASE_URL: cluster.createDatabase('bench_ingest') }, dir, pgReplay);
        console.log(`  PostgreSQL   ${fmt(pg.inserted / pg.seconds).padStart(7)} mentions/s (${fmt(pg.inserted)} stored, ${pg.seconds.toFixed(2)} s; local cluster, fsync off; target ≥ 5,000/s)`);
      } finally {
        cluster.stop();
      }
    }

    // Peak RSS is a whole process's: a child ingests the big file and reports its own maxRSS. It runs
    // with the Node options of `npm start` (the heap settings; INGEST_BENCH_NODE_FLAGS overrides them,
    // e.g. "" for V8's defaults).
    const big = join(dir, 'replay-big.jsonl');
    await writeReplay(big, rssCount);
    const flags = process.env.INGEST_BENCH_NODE_FLAGS === undefined ? startNodeFlags() : process.env.INGEST_BENCH_NODE_FLAGS.split(' ').filter((f) => f !== '');
    const child = spawnSync(process.execPath, [...flags, new URL('./ingest-child.js', import.meta.url).pathname, big, join(dir, 'big.db')], { encoding: 'utf8', cwd: dir });
    if (child.status !== 0) throw new Error(`the ingest child failed: ${child.stderr.slice(-2000)}`);
    const peak = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as IngestRun & { maxRssMb: number; dbBytes: number };
    console.log(`  ${fmt(rssCount)} in a child (node ${flags.join(' ') || 'with V8 defaults'}):`);
    console.log(`               ${fmt(peak.inserted / peak.seconds).padStart(6)} mentions/s (${fmt(peak.inserted)} stored, ${peak.seconds.toFixed(1)} s), peak RSS ${peak.maxRssMb.toFixed(0)} MB (target < 300 MB);`);
    console.log(`               ${mb(peak.written)} written for a ${mb(peak.dbBytes)} database`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
