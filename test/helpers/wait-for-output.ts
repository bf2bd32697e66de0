import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with everything the child wrote to `stream` once it has written a line matching
 * `pattern`; rejects if the child exits first or nothing matches within `timeoutMs` (a deadline,
 * not a pause: it resolves as soon as the line appears).
 */
export function waitForOutput(child: ChildProcess, pattern: RegExp, options: { stream?: 'stdout' | 'stderr'; timeoutMs?: number } = {}): Promise<string> {
  const stream = options.stream === 'stdout' ? child.stdout : child.stderr;
  if (!stream) return Promise.reject(new Error('the child has no such stream'));
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (error?: Error) => {
      clearTimeout(timer);
      stream.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(seen);
    };
    const onData = (chunk: string | Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').some((line) => pattern.test(line))) done();
    };
    const onExit = (code: number | null) => done(new Error(`the process exited (${code}) before writing ${pattern}; it wrote:\n${seen}`));
    const timer = setTimeout(() => done(new Error(`no line matching ${pattern} within ${options.timeoutMs ?? 15_000} ms; seen:\n${seen}`)), options.timeoutMs ?? 15_000);
    stream.on('data', onData);
    child.once('exit', onExit);
  });
}
