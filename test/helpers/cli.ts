import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './setup.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built `triage` command (package.json `bin`): checks the Node version, then loads `cli.js`. */
export const CLI = join(ROOT, 'dist', 'src', 'bin.js');

/** Every CLI process a test started that has not exited yet. */
const running = new Set<ChildProcess>();

/**
 * Runs the built `triage` command as a user would, with only the given environment (plus PATH) and
 * the given working folder, so no developer `.env` leaks in. The process is tracked until it exits:
 * {@link stopSpawned} (run after every test) kills whatever a test left running, passed or failed.
 */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd: string;
    input?: string;
    timeoutMs?: number;
    onSpawn?: (child: ChildProcess) => void;
    /** Options for `node` itself, before the script (`--import` a preload). */
    nodeArgs?: string[];
    /** Another built entry point than the `triage` bin, such as `dist/src/cli.js`. */
    script?: string;
    /** bash run before the CLI in the same process (e.g. `ulimit -f 64` to make the disk "full"). */
    before?: string;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const node = [...(options.nodeArgs ?? []), options.script ?? CLI, ...args];
    const [command, argv] = options.before === undefined ? [process.execPath, node] : ['bash', ['-c', `${options.before}; exec "$0" "$@"`, process.execPath, ...node]];
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', (error) => {
      running.delete(child);
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? -1 : null), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Kills every CLI process still running and waits until each has exited. */
export async function stopSpawned(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Last resort when the test worker exits with processes still running: signals are synchronous. */
export function killSpawnedNow(): void {
  for (const child of running) child.kill('SIGKILL');
}
