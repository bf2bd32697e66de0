/**
 * How long a stop may take after SIGTERM/SIGINT before the CLI exits anyway, naming what was still
 * in flight. Below the 10 s a service manager waits by default, and below `TimeoutStopSec` in
 * deploy/triage.service.
 */
export const STOP_DEADLINE_MS = 8_000;

/**
 * What a long-running command is busy with right now, by name. The stop deadline prints it, so an
 * operator whose bot had to be cut off learns what was still running ("poll, discord-post").
 */
export class InFlight {
  private readonly counts = new Map<string, number>();

  /** Runs `work` under `name`; the name is listed until the work settles. */
  async track<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.counts.get(name) ?? 1) - 1;
      if (left === 0) this.counts.delete(name);
      else this.counts.set(name, left);
    }
  }

  names(): string[] {
    return [...this.counts.keys()];
  }
}
