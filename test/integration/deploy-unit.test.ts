import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STOP_DEADLINE_MS } from '../../src/util/in-flight.js';
import { ROOT } from '../helpers/setup.js';
import { startNodeFlags } from '../helpers/start-flags.js';

const UNIT = join(ROOT, 'deploy', 'triage.service');

function settings(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('deploy/triage.service', () => {
  const unit = settings(readFileSync(UNIT, 'utf8'));

  it('runs as a non-root user, restarts on failure, keeps the database in its state directory', () => {
    expect(unit.get('User')?.[0]).toMatch(/^(?!root$)\w+$/);
    expect(unit.get('Restart')).toEqual(['on-failure']);
    const state = unit.get('StateDirectory')?.[0];
    expect(state).toBe('triage');
    expect(unit.get('Environment')).toContain(`DATABASE_PATH=/var/lib/${state}/triage.db`);
    expect(unit.get('ExecStart')?.[0]).toMatch(/dist\/src\/cli\.js start$/);
  });

  it('runs Node with the heap settings of npm start', () => {
    const flags = startNodeFlags();
    expect(flags).toContain('--max-semi-space-size=16');
    expect(unit.get('ExecStart')?.[0]).toBe(`/usr/bin/node ${flags.join(' ')} /opt/triage/dist/src/cli.js start`);
  });

  it('gives the bot longer to stop than its own deadline', () => {
    expect(Number(unit.get('TimeoutStopSec')?.[0])).toBeGreaterThan(STOP_DEADLINE_MS / 1000 + 5);
  });

  it.skipIf(!hasSystemdAnalyze)('passes systemd-analyze verify', () => {
    // systemd names every problem on stderr (an unknown key is only a warning, still a mistake).
    const run = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(run.stderr + run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});
