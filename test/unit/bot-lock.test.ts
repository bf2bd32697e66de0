import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireBotLock, liveLockHolder, lockPathOf } from '../../src/store/bot-lock.js';
import { TriageError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/setup.js';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ['-e', '']);
  return run.pid as number;
}

function thrown(run: () => unknown): TriageError {
  try {
    run();
  } catch (error) {
    if (error instanceof TriageError) return error;
    throw error;
  }
  throw new Error('expected a TriageError');
}

describe('bot lock', () => {
  let temp: ReturnType<typeof tempDir>;
  let db: string;

  beforeEach(() => {
    temp = tempDir();
    db = join(temp.dir, 'triage.db');
  });
  afterEach(() => temp.cleanup());

  it('creates DATABASE_PATH.lock with our pid, host and start time, and removes it on release', () => {
    const lock = acquireBotLock(db, { now: Date.UTC(2026, 11, 1) });
    expect(lock.path).toBe(`${db}.lock`);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), startedAt: Date.UTC(2026, 11, 1) });
    expect(liveLockHolder(db)).toMatchObject({ pid: process.pid });
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(liveLockHolder(db)).toBeUndefined();
  });

  it('refuses a second holder while the first lives, naming its pid, without retrying', () => {
    const lock = acquireBotLock(db);
    try {
      const error = thrown(() => acquireBotLock(db));
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(new RegExp(`^the database ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by a running bot \\(pid ${process.pid}, started .*\\); stop it first$`));
    } finally {
      lock.release();
    }
  });

  it('refuses a lock held by another live process', () => {
    writeFileSync(lockPathOf(db), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 0 }));
    expect(thrown(() => acquireBotLock(db)).message).toMatch(`pid ${process.ppid}`);
    expect(liveLockHolder(db)).toMatchObject({ pid: process.ppid });
  });

  it('takes over a stale lock whose process is gone', () => {
    const pid = deadPid();
    writeFileSync(lockPathOf(db), JSON.stringify({ pid, host: hostname(), startedAt: 0 }));
    expect(liveLockHolder(db)).toBeUndefined();
    const lock = acquireBotLock(db);
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock left by an earlier process that had our pid (a restarted container) or whose pid was reused', () => {
    writeFileSync(lockPathOf(db), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 0 }));
    acquireBotLock(db).release();
    writeFileSync(lockPathOf(db), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 0, processStart: '1' }));
    const reused = existsSync(`/proc/${process.ppid}/stat`);
    if (reused) acquireBotLock(db).release();
    else expect(() => acquireBotLock(db)).toThrow(TriageError);
  });

  it('leaves a lock from another host alone, and says which host', () => {
    writeFileSync(lockPathOf(db), JSON.stringify({ pid: deadPid(), host: 'other-host.example', startedAt: 0 }));
    expect(thrown(() => acquireBotLock(db)).message).toMatch(/on host other-host\.example/);
  });

  it('refuses a lock file it cannot read, and says to delete it if no bot runs', () => {
    writeFileSync(lockPathOf(db), '');
    expect(thrown(() => acquireBotLock(db)).message).toMatch(/cannot be read; if no bot is running, delete that file$/);
  });

  it('does not remove a lock another process took over', () => {
    const lock = acquireBotLock(db);
    writeFileSync(lock.path, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 1 }));
    lock.release();
    expect(existsSync(lock.path)).toBe(true);
  });
});
