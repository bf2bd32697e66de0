import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TriageError } from './errors.js';

/** Exit codes: documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface DescribedFailure {
  message: string;
  exitCode: number;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

/** Why a file operation failed, in words ("no such file or folder"), or the error's own message. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (code && FS_REASONS[code]) ?? (error as Error)?.message ?? String(error);
}

/** "12.3 MB free" on the file system holding `path`, or undefined when that cannot be told. */
function freeSpace(path: string): string | undefined {
  try {
    const stats = statfsSync(dirname(path));
    return `${((stats.bavail * stats.bsize) / 1e6).toFixed(1)} MB free`;
  } catch {
    return undefined;
  }
}

/**
 * One sentence for the failures a user can do something about: file-system errors (which path,
 * why), SQLite's disk-full, read-only, corrupt and locked errors (which database, how much space),
 * and our own errors. Undefined for anything else: a bug, reported with its stack in the log.
 */
export function describeFailure(error: unknown, context: { databasePath?: string | undefined } = {}): DescribedFailure | undefined {
  if (error instanceof TriageError) return { message: error.message, exitCode: error.code === 'config' ? EXIT.usage : EXIT.failed };
  const e = error as NodeJS.ErrnoException & { code?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === undefined) return undefined;
  if (code in FS_REASONS && typeof e.path === 'string') {
    const verb = e.syscall === 'open' || e.syscall === 'read' || e.syscall === 'stat' || e.syscall === 'scandir' ? 'cannot open' : e.syscall === 'write' ? 'cannot write' : 'cannot use';
    const space = code === 'ENOSPC' ? ` (${freeSpace(e.path) ?? 'the disk is full'})` : '';
    return { message: `${verb} ${e.path}: ${FS_REASONS[code]}${space}`, exitCode: code === 'ENOSPC' || code === 'EMFILE' ? EXIT.failed : EXIT.usage };
  }
  const db = context.databasePath ?? 'the database';
  if (code === 'SQLITE_FULL') {
    const space = context.databasePath ? freeSpace(context.databasePath) : undefined;
    return { message: `the disk holding ${db} is full${space ? ` (${space})` : ''}: free some space, or move DATABASE_PATH to a larger disk. What was stored before is safe.`, exitCode: EXIT.failed };
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) return { message: `${db} is read-only: make it (and its folder) writable for this user, or point DATABASE_PATH elsewhere.`, exitCode: EXIT.failed };
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return { message: `${db} is damaged or not a Triage database: restore a backup (triage restore FILE) or point DATABASE_PATH at another file.`, exitCode: EXIT.failed };
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) return { message: `${db} is locked by another process for too long: is another triage writing to it?`, exitCode: EXIT.failed };
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    const space = context.databasePath ? freeSpace(context.databasePath) : undefined;
    return { message: `could not write ${db} (${code}): the disk may be full or failing${space ? ` (${space})` : ''}. What was stored before is safe.`, exitCode: EXIT.failed };
  }
  return undefined;
}
