import type { Logger } from '../logger.js';
import { TriageError } from '../util/errors.js';
import { sleep as realSleep } from '../util/sleep.js';
import { DEFAULT_REQUEST_POLICY } from './request-policy.js';

/** Retries after a 5xx, a timeout or a network error; backoff doubles from `baseDelayMs`, with jitter. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface StreamGuardOptions {
  /** The platform's name as people read it, for log lines: "Facebook", "Google". */
  platform: string;
  log: Logger;
  now: () => number;
  /** Default: the shared policy's ({@link DEFAULT_REQUEST_POLICY}). */
  retry?: RetryPolicy | undefined;
  /** A rate limit that resets at most this far away is waited out inside the poll; a later one pauses the stream. */
  maxInlineWaitMs?: number | undefined;
  /** Injected by tests so waits cost no wall-clock time. */
  sleep?: Sleep;
  /** Told of every rate limit met. */
  onRateLimited?: () => void;
  /** An auth failure that concerns the credential itself (not one stream's permission) stops every stream. */
  isCredentialFailure?: (error: TriageError) => boolean;
}

export type GuardedResult<T> = { ok: true; value: T } | { ok: false; error?: TriageError };

/**
 * The request policy the X poller follows, for the sources that talk HTTP themselves: retry with
 * jitter, wait out a near rate limit or pause the stream until it resets, and stop a stream with one
 * clear line on an auth failure. Per-stream state lives here: which streams are stopped or paused.
 */
export function createStreamGuard(options: StreamGuardOptions) {
  const { platform, log, now } = options;
  const retry = options.retry ?? DEFAULT_REQUEST_POLICY.retry;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? DEFAULT_REQUEST_POLICY.maxInlineWaitMs;
  const sleep = options.sleep ?? realSleep;
  const pausedUntil = new Map<string, number>();
  const stopped = new Set<string>();
  let credentialRejected = false;

  /** Whether the stream may be polled now (not stopped for an auth failure, not paused for a rate limit). */
  function ready(stream: string): boolean {
    return !credentialRejected && !stopped.has(stream) && (pausedUntil.get(stream) ?? 0) <= now();
  }

  /**
   * Runs `work` under the policy. A failure that `quiet` accepts is handed back unlogged (the caller
   * decides); any other failure that outlives the policy is logged once and comes back as `ok: false`.
   */
  async function run<T>(
    stream: string,
    work: () => Promise<T>,
    translate: (error: unknown) => TriageError,
    signal: AbortSignal,
    quiet?: (error: TriageError) => boolean,
  ): Promise<GuardedResult<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { ok: true, value: await work() };
      } catch (raw) {
        if (signal.aborted) return { ok: false };
        const error = translate(raw);
        if (quiet?.(error)) return { ok: false, error };
        if (error.code === 'source-auth') {
          stopped.add(stream);
          if (options.isCredentialFailure?.(error)) {
            credentialRejected = true;
            log.error({ stream, err: error }, `${error.message} Every ${platform} stream is stopped until restart.`);
          } else {
            log.error({ stream, err: error }, `${error.message} The ${stream} stream is stopped until restart.`);
          }
          return { ok: false, error };
        }
        if (error.code === 'source-rate-limited') {
          options.onRateLimited?.();
          const resetAt = error.resetAt ?? now() + 60_000;
          const wait = resetAt - now() + 1000;
          if (wait <= maxInlineWaitMs && attempt < retry.attempts) {
            log.warn({ stream, waitMs: wait, reason: error.message }, `${platform} rate limit reached; waiting for the reset`);
            await sleep(wait, signal);
            continue;
          }
          pausedUntil.set(stream, resetAt);
          log.warn({ stream, until: new Date(resetAt).toISOString(), reason: error.message }, `${platform} rate limit reached; stream paused until the reset`);
          return { ok: false, error };
        }
        if (error.retryable && attempt < retry.attempts) {
          const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt) * (0.5 + Math.random());
          log.warn({ stream, attempt: attempt + 1, delayMs: Math.round(delay), err: error.message }, `${platform} request failed; retrying`);
          await sleep(delay, signal);
          continue;
        }
        log.error({ stream, err: error }, `${platform} request failed; the stream resumes from its cursor on the next poll`);
        return { ok: false, error };
      }
    }
  }

  /** Pauses a stream without a failure (a usage header said the budget is spent). */
  function pause(stream: string, until: number): void {
    pausedUntil.set(stream, until);
  }

  return { ready, run, pause, pausedUntil: pausedUntil as ReadonlyMap<string, number>, stopped: stopped as ReadonlySet<string> };
}

export type StreamGuard = ReturnType<typeof createStreamGuard>;

/** Whether a failure is the caller's signal stopping the request rather than the platform failing. */
export function isAbort(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'AbortError';
}

/** A failure that is not the platform's answer (network, timeout, unreadable body) as ours: retryable. */
export function transportError(platform: string, what: string, error: unknown): TriageError {
  const name = (error as { name?: string })?.name;
  const message = (error as Error)?.message ?? String(error);
  if (name === 'TimeoutError') return new TriageError('source-unavailable', `${platform} did not answer in time for ${what}`, { retryable: true });
  return new TriageError('source-unavailable', `could not reach ${platform} for ${what}: ${message}`, { retryable: true });
}

/**
 * Holds back the last batch of a sweep so that only the batch that ends it carries the cursor,
 * however many requests of different kinds the sweep makes.
 */
export class LastBatchHolder<B extends { cursor?: string }> {
  private held: B | undefined;

  /** The batch held until now, to yield before `batch` takes its place. */
  push(batch: B): B | undefined {
    const previous = this.held;
    this.held = batch;
    return previous;
  }

  /** The last batch, with the cursor when the sweep completed (undefined: nothing was read). */
  finish(cursor: string | undefined): B | undefined {
    const last = this.held;
    this.held = undefined;
    if (last && cursor !== undefined) last.cursor = cursor;
    return last;
  }
}
