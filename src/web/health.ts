import type { JobStatus } from '../scheduler.js';

export interface HealthReport {
  ok: boolean;
  /** Why the bot is unhealthy, one line each; empty when healthy. */
  problems: string[];
  jobs: Array<{ job: string; running: boolean; lastFinishedAt: string | null; lastOkAt: string | null; lastError: string | null; dueBy: string }>;
}

const iso = (at: number | undefined) => (at === undefined ? null : new Date(at).toISOString());

/**
 * Healthy when the database answers (and would take a write) and every job finished a run within
 * twice its period. A job that is stuck, or never gets to run, turns it unhealthy; a job whose run
 * failed (X down, say) finished all the same, and its error is reported without failing the check.
 */
export function assessHealth(input: { now: number; databaseProblem: string | undefined; jobs: readonly JobStatus[] | undefined }): HealthReport {
  const problems: string[] = [];
  if (input.databaseProblem) problems.push(input.databaseProblem);
  if (input.jobs === undefined) problems.push('starting: the jobs are not scheduled yet');
  for (const job of input.jobs ?? []) {
    if (input.now <= job.dueBy) continue;
    problems.push(
      job.runningSince !== undefined
        ? `job ${job.job} stuck: running since ${iso(job.runningSince)} (schedule "${job.schedule}")`
        : `job ${job.job} overdue: no run finished since ${iso(job.lastFinishedAt) ?? 'start-up'} (schedule "${job.schedule}")`,
    );
  }
  return {
    ok: problems.length === 0,
    problems,
    jobs: (input.jobs ?? []).map((j) => ({
      job: j.job,
      running: j.runningSince !== undefined,
      lastFinishedAt: iso(j.lastFinishedAt),
      lastOkAt: iso(j.lastOkAt),
      lastError: j.lastError ?? null,
      dueBy: new Date(j.dueBy).toISOString(),
    })),
  };
}
