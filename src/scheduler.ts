import cron, { type ScheduledTask } from 'node-cron';
import type { Chat, ChatLimits } from './chat/chat.js';
import type { JobHandler } from './chat/handler-types.js';
import type { Config } from './config.js';
import type { DigestSources } from './digest/collect-digest.js';
import type { Logger } from './logger.js';
import type { PipelineDeps } from './pipeline.js';
import type { Source } from './sources/source.js';
import type { OpsRepository } from './store/store-port.js';
import { TriageError } from './util/errors.js';
import type { InFlight } from './util/in-flight.js';
import type { Metrics } from './web/metrics.js';
import type { ReplyPublisher } from './sources/reply-publisher.js';

/** What scheduled jobs receive: the wired pipeline, never the composition root itself. */
export interface BotContext {
  config: Config;
  deps: PipelineDeps;
  digest: DigestSources;
  sources: readonly Source[];
  chat: Chat;
  limits: ChatLimits;
  /** The SLA policy's time zone, which schedules and digests are in. */
  timeZone: string;
  /** Who posts a reply from the card on an account's platform; absent: replies are not sent (see `send-replies`). */
  replyPublisherFor?: (platform: string, account: string | null) => ReplyPublisher | undefined;
}

/** One job as the health check sees it. Times are epoch ms. */
export interface JobStatus {
  job: string;
  schedule: string;
  /** When the running run started; undefined when idle. */
  runningSince: number | undefined;
  lastFinishedAt: number | undefined;
  lastOkAt: number | undefined;
  lastError: string | undefined;
  /** The job is overdue when it has not finished a run by then: twice its period after the last one (or the start). */
  dueBy: number;
}

export interface Scheduler {
  status(): JobStatus[];
  /** Stops the timers and waits for the runs in progress (they have the stop signal). */
  stop(): Promise<void>;
}

export interface SchedulerOptions<C> {
  jobs: readonly JobHandler<C>[];
  context: C;
  timeZone: string;
  log: Logger;
  now: () => number;
  /** Aborted to stop: no new run starts and running ones wind down. */
  signal: AbortSignal;
  /** A failure no retry can fix (rejected credentials, bad settings): the bot stops. */
  onFatal(error: TriageError): void;
  inFlight?: InFlight | undefined;
  ops?: OpsRepository;
  metrics?: Metrics;
}

interface JobState<C> {
  handler: JobHandler<C>;
  task: ScheduledTask;
  status: JobStatus;
  run: Promise<void> | undefined;
  /** From a tick to the end of its run (the lease and the start are recorded first). */
  starting: Promise<void> | undefined;
}

/**
 * Runs every scheduled job on its cron (in the policy's time zone), first once at start-up unless
 * the job says otherwise. One run of a job at a time: a tick that finds the previous run still
 * going is skipped. Each run is recorded (in memory for /healthz, in the database for `triage doctor`).
 */
export function startScheduler<C>(options: SchedulerOptions<C>): Scheduler {
  const { log, now, signal } = options;
  const states: JobState<C>[] = [];

  const record = async (what: string, write: () => Promise<void> | undefined) => {
    try {
      await write();
    } catch (error) {
      log.warn({ err: error }, `could not record the job's ${what}`);
    }
  };

  async function runJob(state: JobState<C>): Promise<void> {
    const { handler, status } = state;
    if (signal.aborted) return;
    if (state.run || state.starting) {
      log.debug({ job: handler.name }, 'previous run still going; tick skipped');
      return;
    }
    state.starting = startRun(state);
    try {
      await state.starting;
    } finally {
      state.starting = undefined;
    }
  }

  async function startRun(state: JobState<C>): Promise<void> {
    const { handler, status } = state;
    // Several instances on one database: the job runs where its lease is, renewed while it runs.
    const lease = leaseOf(state.task);
    const leased = async () => {
      try {
        return (await options.ops?.takeLease(handler.name, now(), lease)) ?? true;
      } catch (error) {
        log.warn({ err: error, job: handler.name }, 'could not take the job lease; this tick is skipped');
        return false;
      }
    };
    if (!(await leased()) || signal.aborted) {
      log.debug({ job: handler.name }, 'another instance holds the job lease; tick skipped');
      return;
    }
    const renew = setInterval(() => void leased(), Math.max(1000, lease / 3));
    renew.unref();
    const startedAt = now();
    status.runningSince = startedAt;
    await record('start', () => options.ops?.jobStarted(handler.name, startedAt));
    const work = () => handler.run(options.context, signal);
    let failure: unknown;
    state.run = (options.inFlight ? options.inFlight.track(handler.name, work) : work()).catch((error: unknown) => {
      failure = error;
    });
    await state.run;
    clearInterval(renew);
    state.run = undefined;
    const finishedAt = now();
    status.runningSince = undefined;
    status.lastFinishedAt = finishedAt;
    status.dueBy = dueAfter(state.task, finishedAt);
    const message = failure === undefined ? undefined : failure instanceof Error ? failure.message : String(failure);
    if (failure === undefined) status.lastOkAt = finishedAt;
    status.lastError = message;
    await record('end', () => options.ops?.jobFinished(handler.name, startedAt, finishedAt, message ?? null));
    options.metrics?.jobRuns.inc({ job: handler.name, outcome: failure === undefined ? 'ok' : 'failed' });
    if (failure instanceof TriageError && (failure.code === 'chat-auth' || failure.code === 'config')) options.onFatal(failure);
    else if (failure !== undefined) log.error({ err: failure, job: handler.name }, 'job failed; it runs again on its next tick');
  }

  const startedAt = now();
  for (const handler of options.jobs) {
    const schedule = handler.schedule(options.context);
    if (schedule === undefined) continue;
    const state: JobState<C> = {
      handler,
      task: undefined as unknown as ScheduledTask,
      status: { job: handler.name, schedule, runningSince: undefined, lastFinishedAt: undefined, lastOkAt: undefined, lastError: undefined, dueBy: 0 },
      run: undefined,
      starting: undefined,
    };
    state.task = cron.schedule(schedule, () => runJob(state), { name: handler.name, timezone: options.timeZone });
    state.status.dueBy = dueAfter(state.task, startedAt);
    states.push(state);
  }
  // Catch up after downtime, one job after another (poll before the SLA sweep), without holding up the timers.
  const startup = (async () => {
    for (const state of states) if (state.handler.runAtStart !== false) await runJob(state);
  })();

  return {
    status: () => states.map((s) => ({ ...s.status })),
    async stop() {
      for (const state of states) await state.task.destroy();
      await startup;
      await Promise.all(states.map((s) => s.starting ?? s.run));
    },
  };
}

/** How long a job's lease lasts: its period and half a minute, so the holder renews it on each tick and a dead holder's lapses within one period. */
function leaseOf(task: ScheduledTask): number {
  const [first, second] = task.getNextRuns(2);
  return (first && second ? second.getTime() - first.getTime() : 24 * 3600_000) + 30_000;
}

/** Twice the job's period after `from`: the period is the gap between its next two runs. */
function dueAfter(task: ScheduledTask, from: number): number {
  const [first, second] = task.getNextRuns(2);
  const period = first && second ? second.getTime() - first.getTime() : 24 * 3600_000;
  return from + 2 * period;
}
