import type { Readable, Writable } from 'node:stream';
import type { InFlight } from '../util/in-flight.js';

/** What a command may touch: passed in, so tests run commands in-process with their own streams. */
export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly. */
  signal: AbortSignal;
  /** What the command is busy with, for the line the stop deadline prints. */
  inFlight?: InFlight;
}
