import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { createConsoleChat } from '../../src/chat/console/console-chat.js';
import { loadConfig } from '../../src/config.js';
import { chatLimits, configuredSources } from '../../src/main.js';
import { dispatchPending, pollSource } from '../../src/pipeline.js';
import { writeReplay } from './ingest.js';

/** Runs `work` and reports the bytes this process wrote to disk meanwhile (WAL and checkpoints included). */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; bytes: number }> {
  const io = () => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);
  const before = io();
  const t0 = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes: io() - before };
}

/**
 * What the card outbox writes: `poll --once --replay` of `CARD_BENCH_COUNT` (100,000) mentions on
 * SQLite with the console chat (printing to nowhere, every alert its own card, as without a chat
 * configured), the ingest and the dispatch measured apart. The dispatch's bytes are the outbox's
 * commits: one transaction per card before cards were recorded a chunk at a time.
 */
export async function benchCardCommits(): Promise<void> {
  const count = Number(process.env.CARD_BENCH_COUNT ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'triage-bench-cards-'));
  try {
    const replay = join(dir, 'replay.jsonl');
    await writeReplay(replay, count);
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', DATABASE_PATH: join(dir, 'triage.db') }, dir));
    try {
      const signal = new AbortController().signal;
      const [source] = configuredSources(app, { replay, signal });
      const ingest = await measured(() => pollSource(source!, app.deps, signal));
      const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
      const chat = createConsoleChat(nowhere, { now: app.deps.now, timeZone: app.data.policy.timezone });
      const dispatch = await measured(() => dispatchPending(chat, app.deps, signal, chatLimits(app)));
      const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
      console.log(`card commits: poll --once --replay of ${count.toLocaleString('en-US')} mentions on SQLite, console chat printing to nowhere:`);
      console.log(`  ingest    ${mb(ingest.bytes).padStart(7)} written, ${ingest.seconds.toFixed(1)} s (${ingest.result.alerts.toLocaleString('en-US')} alerts)`);
      console.log(`  dispatch  ${mb(dispatch.bytes).padStart(7)} written, ${dispatch.seconds.toFixed(1)} s (${dispatch.result.cards.toLocaleString('en-US')} cards, ${(dispatch.result.cards / dispatch.seconds).toFixed(0)}/s)`);
      console.log(`  together  ${mb(ingest.bytes + dispatch.bytes).padStart(7)} written`);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
