import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, stopSpawned } from '../helpers/cli.js';
import { writeComplaintReplay } from '../helpers/replay.js';
import { readRows, tempDir } from '../helpers/setup.js';

const MENTIONS = 6000;

/** Alert ids of the console cards in `stdout`, in order. */
const cardIds = (stdout: string) => [...stdout.matchAll(/^── #(\d+) /gm)].map((m) => Number(m[1]));

/**
 * `triage poll --once --replay` of a long file, stopped with SIGTERM while it ingests and while it
 * dispatches cards (console chat): it exits cleanly and soon, the cursor is exactly at what was
 * committed, and a second run stores and shows the rest, each mention once and each card once. The
 * signal is sent on the run's own output (a stored batch, a printed card), never after a delay.
 */
describe('SIGTERM during a long replay (the built CLI, SQLite, console chat)', { timeout: 120_000 }, () => {
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let replay: string;

  beforeEach(() => {
    temp = tempDir();
    env = { DATABASE_PATH: join(temp.dir, 'triage.db') };
    replay = writeComplaintReplay(temp.dir, MENTIONS);
  });
  afterEach(async () => {
    await stopSpawned();
    temp.cleanup();
  });

  /** Runs the poll and sends SIGTERM the first time `when` matches what it wrote to `stream`. */
  function pollStoppedWhen(stream: 'stdout' | 'stderr', when: RegExp, extraEnv: Record<string, string> = {}) {
    let stopped = false;
    const onSpawn = (child: ChildProcess) => {
      child[stream]!.on('data', (chunk: Buffer | string) => {
        if (stopped || !when.test(String(chunk))) return;
        stopped = true;
        child.kill('SIGTERM');
      });
    };
    return runCli(['poll', '--once', '--replay', replay], { env: { ...env, ...extraEnv }, cwd: temp.dir, onSpawn, timeoutMs: 90_000 }).then((run) => ({ ...run, stopped }));
  }

  const stored = () => readRows<{ mentions: number; alerts: number; cursor: string | null }>(env.DATABASE_PATH!, `SELECT
    (SELECT COUNT(*) FROM mentions) AS mentions, (SELECT COUNT(*) FROM alerts) AS alerts, (SELECT value FROM cursors WHERE source = 'replay') AS cursor`)[0]!;
  const recorded = () => readRows<{ id: number }>(env.DATABASE_PATH!, 'SELECT id FROM alerts WHERE chat_message_id IS NOT NULL ORDER BY id').map((r) => r.id);

  it('stops between two committed batches of the ingest, with the cursor at the last one, and the next run stores the rest once', async () => {
    const first = await pollStoppedWhen('stderr', /"msg":"batch stored"/, { LOG_LEVEL: 'debug' });
    expect(first.stopped).toBe(true);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(first.stderr).not.toMatch(/unexpected error|did not stop|\n\s+at /);
    const after = stored();
    // Every line is a mention: the cursor (lines consumed) is exactly what was committed, and not all of it.
    expect(Number(after.cursor)).toBe(after.mentions);
    expect(after.mentions).toBeGreaterThan(0);
    expect(after.mentions).toBeLessThan(MENTIONS);
    // Nothing was shown that is not recorded, nothing recorded that was not shown.
    expect(recorded()).toEqual(cardIds(first.stdout).sort((a, b) => a - b));

    const second = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 90_000 });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`triage poll: ${MENTIONS - after.mentions} read, ${MENTIONS - after.mentions} new, 0 duplicates`));
    expect(stored()).toEqual({ mentions: MENTIONS, alerts: MENTIONS, cursor: String(MENTIONS) });
    const shown = [...cardIds(first.stdout), ...cardIds(second.stdout)];
    expect(shown.length).toBe(MENTIONS);
    expect(new Set(shown).size, 'every card shown once').toBe(MENTIONS);
  });

  it('stops in the middle of the card dispatch, records every card it showed, and the next run shows only the others', async () => {
    const first = await pollStoppedWhen('stdout', /^── #\d+ /m);
    expect(first.stopped).toBe(true);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(first.stderr).not.toMatch(/unexpected error|did not stop|\n\s+at /);
    expect(stored()).toEqual({ mentions: MENTIONS, alerts: MENTIONS, cursor: String(MENTIONS) });
    const shownFirst = cardIds(first.stdout);
    expect(shownFirst.length).toBeGreaterThan(0);
    expect(shownFirst.length, 'stopped well before the end of the outbox').toBeLessThan(MENTIONS);
    expect(recorded()).toEqual([...shownFirst].sort((a, b) => a - b));

    const second = await runCli(['poll', '--once', '--replay', replay], { env, cwd: temp.dir, timeoutMs: 90_000 });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expect(second.stderr).toMatch(/triage poll: 0 read, 0 new, 0 duplicates, 0 alerts/);
    const shown = [...shownFirst, ...cardIds(second.stdout)];
    expect(shown.length).toBe(MENTIONS);
    expect(new Set(shown).size, 'every card shown once').toBe(MENTIONS);
    expect(recorded().length).toBe(MENTIONS);
  });
});
