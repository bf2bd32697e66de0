import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { TriageError } from '../util/errors.js';

/** What a lock file says about the bot holding the database. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When that bot started (epoch ms). */
  startedAt: number;
  /** The process's start time in clock ticks since boot (`/proc/<pid>/stat`), to tell a reused pid apart. */
  processStart?: string;
}

export interface BotLock {
  path: string;
  holder: LockHolder;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

export interface LockOptions {
  now?: number;
  pid?: number;
}

/** Lock files this process holds: a lock naming our own pid that is not in here is left over from an earlier process. */
const held = new Set<string>();

export function lockPathOf(databasePath: string): string {
  return `${databasePath}.lock`;
}

/**
 * Takes the bot lock on a database: `${databasePath}.lock`, created exclusively (O_EXCL) with our pid,
 * host and start time. A lock whose process is gone (ESRCH, or the pid now belongs to a process that
 * started later) is taken over; a live one throws a {@link TriageError} naming its pid. The lock is
 * released by {@link BotLock.release} and, failing that, synchronously when this process exits. A
 * SIGKILL leaves the file behind; the next start sees its pid is dead and takes it over.
 */
export function acquireBotLock(databasePath: string, options: LockOptions = {}): BotLock {
  const path = lockPathOf(databasePath);
  const pid = options.pid ?? process.pid;
  const holder: LockHolder = { pid, host: hostname(), startedAt: options.now ?? Date.now() };
  const start = processStartOf(pid);
  if (start !== undefined) holder.processStart = start;
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TriageError('store', `cannot create the bot lock ${path}: ${(error as Error).message}`, { cause: error });
      }
      const current = readLock(path);
      if (current === 'gone') continue;
      if (current !== 'unreadable' && isStale(current, path)) {
        removeIfUnchanged(path, current);
        continue;
      }
      throw new TriageError('store', describeHeld(databasePath, current));
    }
    try {
      writeSync(fd, `${JSON.stringify(holder)}\n`);
    } finally {
      closeSync(fd);
    }
    held.add(path);
    const release = () => {
      process.removeListener('exit', release);
      if (!held.delete(path)) return;
      const now = readLock(path);
      // Never remove a lock another process took over (it decided ours was stale).
      if (typeof now === 'object' && now.pid === holder.pid && now.startedAt === holder.startedAt) unlinkQuietly(path);
    };
    process.once('exit', release);
    return { path, holder, release };
  }
  throw new TriageError('store', `cannot take the bot lock ${path}: another process keeps replacing it`);
}

/** The live bot holding the database's lock, if any (a stale lock counts as none). */
export function liveLockHolder(databasePath: string): LockHolder | undefined {
  const path = lockPathOf(databasePath);
  const current = readLock(path);
  if (current === 'gone' || current === 'unreadable') return undefined;
  return isStale(current, path) ? undefined : current;
}

/** One line saying who holds the database and what to do. */
export function describeHeld(databasePath: string, holder: LockHolder | 'unreadable'): string {
  if (holder === 'unreadable') {
    return `the database ${databasePath} is locked by ${lockPathOf(databasePath)}, which cannot be read; if no bot is running, delete that file`;
  }
  const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
  return `the database ${databasePath} is in use by a running bot (pid ${holder.pid}${where}, started ${new Date(holder.startedAt).toISOString()}); stop it first`;
}

function readLock(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return 'unreadable';
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0 || typeof value.host !== 'string') return 'unreadable';
    const lock: LockHolder = { pid: value.pid, host: value.host, startedAt: typeof value.startedAt === 'number' ? value.startedAt : 0 };
    if (typeof value.processStart === 'string') lock.processStart = value.processStart;
    return lock;
  } catch {
    // Also what a lock looks like in the instant between its creation and its first write.
    return 'unreadable';
  }
}

function isStale(lock: LockHolder, path: string): boolean {
  // Another machine sharing the folder: its pids mean nothing here, so the lock stands.
  if (lock.host !== hostname()) return false;
  // Our own pid without our own lock: a previous process that had this pid (a container restarted as pid 1).
  if (lock.pid === process.pid) return !held.has(path);
  try {
    process.kill(lock.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    // EPERM: alive, owned by another user.
    return false;
  }
  // Alive, but possibly a newer process that was given the dead bot's pid.
  const start = processStartOf(lock.pid);
  return lock.processStart !== undefined && start !== undefined && start !== lock.processStart;
}

/** Removes a stale lock unless someone replaced it since we read it. */
function removeIfUnchanged(path: string, seen: LockHolder): void {
  const again = readLock(path);
  if (typeof again === 'object' && again.pid === seen.pid && again.startedAt === seen.startedAt) unlinkQuietly(path);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Field 22 of `/proc/<pid>/stat` (Linux); undefined elsewhere. */
function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
