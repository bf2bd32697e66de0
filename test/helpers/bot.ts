import type { ChildProcess } from 'node:child_process';
import { runCli, type CliRun } from './cli.js';
import type { LogRecord } from './pipeline.js';

/** How long a stopped bot may take to exit: the bound, above the CLI's own 8 s deadline. */
export const STOP_BOUND_MS = 10_000;

export interface BotProcess {
  readonly child: ChildProcess;
  /** Every JSON log record the bot wrote to stderr so far. */
  readonly logs: LogRecord[];
  /** Resolves with the first record (already written or still to come) that matches. */
  waitForLog(match: (record: LogRecord) => boolean, what: string, timeoutMs?: number): Promise<LogRecord>;
  /** Sends `signal` and waits for the exit; rejects (after a SIGKILL) if it takes longer than {@link STOP_BOUND_MS}. */
  stop(signal?: NodeJS.Signals): Promise<CliRun>;
  readonly exited: Promise<CliRun>;
}

/**
 * `triage start` as a service manager runs it, with its JSON logs parsed as they arrive so a test
 * waits for the event it needs ("poll cycle done") instead of sleeping. The process is tracked by
 * `runCli`, so it is killed after the test even when an assertion fails.
 */
export function startBot(args: string[], options: { env: Record<string, string>; cwd: string }): BotProcess {
  let child: ChildProcess | undefined;
  const logs: LogRecord[] = [];
  const waiters = new Set<() => void>();
  const exited = runCli(['start', ...args], {
    env: { LOG_LEVEL: 'info', ...options.env },
    cwd: options.cwd,
    timeoutMs: 120_000,
    onSpawn: (c) => {
      child = c;
      let partial = '';
      c.stderr!.on('data', (chunk: Buffer | string) => {
        const lines = (partial + String(chunk)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          try {
            logs.push(JSON.parse(line) as LogRecord);
          } catch {
            // A plain "triage: ..." line: the test reads it from the exit's stderr.
          }
        }
        for (const wake of waiters) wake();
      });
    },
  });
  let exit: CliRun | undefined;
  void exited.then((run) => {
    exit = run;
    for (const wake of waiters) wake();
  });

  return {
    child: child!,
    logs,
    exited,
    waitForLog(match, what, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no log "${what}" within ${timeoutMs} ms; last: ${logs.slice(-5).map((r) => r.msg).join(' | ')}`)), timeoutMs);
        const check = () => {
          const found = logs.find(match);
          if (found) finish(undefined, found);
          else if (exit) finish(new Error(`bot exited (${exit.code}) before "${what}": ${exit.stderr.slice(-800)}`));
        };
        function finish(error?: Error, record?: LogRecord) {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(record!);
        }
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      child!.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child!.kill('SIGKILL');
          reject(new Error(`triage start did not exit within ${STOP_BOUND_MS} ms of ${signal}; last logs: ${logs.slice(-5).map((r) => r.msg).join(' | ')}`));
        }, STOP_BOUND_MS);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
