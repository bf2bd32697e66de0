import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/setup.js';

/** The suite's own promise: a test that leaves `triage start` running does not leak it. */
describe('test hygiene', () => {
  const temp = tempDir();
  let pid: number | undefined;
  afterAll(() => temp.cleanup());

  it('leaves a long-running bot behind on purpose', async () => {
    let child: ChildProcess | undefined;
    void runCli(['start', '--replay', join(ROOT, 'data', 'sample-mentions.jsonl')], {
      env: { DATABASE_PATH: join(temp.dir, 'triage.db') },
      cwd: temp.dir,
      timeoutMs: 60_000,
      onSpawn: (c) => (child = c),
    });
    pid = child!.pid;
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid!)).toBe(true);
  });

  it('finds it stopped by the time the next test starts', () => {
    expect(pid).toBeDefined();
    expect(isRunning(pid!)).toBe(false);
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
