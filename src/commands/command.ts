import type { Readable, Writable } from 'node:stream';

/** What a command may touch: passed in, so tests run commands in-process with their own streams. */
export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly. */
  signal: AbortSignal;
}
