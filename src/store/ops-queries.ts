import type Database from 'better-sqlite3';

/** One job's last run, as recorded by the scheduler. Times are epoch ms. */
export interface JobRun {
  job: string;
  startedAt: number | null;
  finishedAt: number | null;
  okAt: number | null;
  error: string | null;
  durationMs: number | null;
}

/** What /metrics reads from the database at each scrape: the numbers that survive a restart. */
export interface StoreGauges {
  alerts: Array<{ urgency: string; state: string; n: number }>;
  outboxDepth: number;
  /** Alerts set aside because their card cannot be drawn. */
  undeliverable: number;
  notificationBacklog: number;
  breaches: Array<{ kind: string; n: number }>;
}

/** The store's answers for operations: job runs, the health probe and the metric gauges. */
export class OpsQueries {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      started: db.prepare(`INSERT INTO job_runs (job, started_at) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at`),
      finished: db.prepare(`
        INSERT INTO job_runs (job, started_at, finished_at, ok_at, error, duration_ms) VALUES (@job, @startedAt, @finishedAt, @okAt, @error, @durationMs)
        ON CONFLICT (job) DO UPDATE SET finished_at = excluded.finished_at, ok_at = COALESCE(excluded.ok_at, ok_at),
          error = excluded.error, duration_ms = excluded.duration_ms`),
      runs: db.prepare(`SELECT job, started_at AS startedAt, finished_at AS finishedAt, ok_at AS okAt, error, duration_ms AS durationMs FROM job_runs ORDER BY job`),
      alerts: db.prepare(`SELECT urgency, state, COUNT(*) AS n FROM alerts GROUP BY urgency, state`),
      outbox: db.prepare(`SELECT COUNT(*) FROM alerts WHERE chat_message_id IS NULL AND state != 'dismissed' AND delivery_failed_at IS NULL`).pluck(),
      undeliverable: db.prepare(`SELECT COUNT(*) FROM alerts WHERE delivery_failed_at IS NOT NULL`).pluck(),
      backlog: db.prepare(`SELECT COUNT(*) FROM sla_notifications WHERE sent_at IS NULL`).pluck(),
      breaches: db.prepare(`SELECT kind, COUNT(*) AS n FROM sla_notifications WHERE kind NOT LIKE 'reminder-%' AND kind NOT LIKE 'escalated-%' GROUP BY kind`),
    };
  }

  async jobStarted(job: string, at: number): Promise<void> {
    this.statements.started.run(job, at);
  }

  async jobFinished(job: string, startedAt: number, finishedAt: number, error: string | null): Promise<void> {
    this.statements.finished.run({ job, startedAt, finishedAt, okAt: error === null ? finishedAt : null, error, durationMs: finishedAt - startedAt });
  }

  /** One bot per SQLite file (DATABASE_PATH.lock): the lease is always this process's. */
  async takeLease(): Promise<boolean> {
    return true;
  }

  async jobRuns(): Promise<JobRun[]> {
    return this.statements.runs.all() as JobRun[];
  }

  async gauges(): Promise<StoreGauges> {
    return {
      alerts: this.statements.alerts.all() as StoreGauges['alerts'],
      outboxDepth: this.statements.outbox.get() as number,
      undeliverable: this.statements.undeliverable.get() as number,
      notificationBacklog: this.statements.backlog.get() as number,
      breaches: this.statements.breaches.all() as StoreGauges['breaches'],
    };
  }

  /**
   * Whether the database answers and would take a write now: `BEGIN IMMEDIATE` fails at once when
   * another connection holds the write lock. The wait is short so a health check never hangs.
   * Returns the problem, or undefined when healthy.
   */
  async probe(waitMs = 200): Promise<string | undefined> {
    const saved = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${waitMs}`);
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      return undefined;
    } catch (error) {
      return `database: ${(error as Error).message}`;
    } finally {
      this.db.pragma(`busy_timeout = ${saved}`);
    }
  }
}
