import type { Logger } from '../logger.js';
import { TriageError } from '../util/errors.js';
import { sleep as realSleep } from '../util/sleep.js';

/** How every source treats failed requests (X, Bluesky, Mastodon, Facebook, Google): one set of rules. */
export interface RequestPolicy {
  /** Retries after a 5xx, a timeout, a network error or an unreadable body; backoff doubles from `baseDelayMs`, with jitter. */
  retry: RetryPolicy;
  /** A 429 whose reset is at most this far away is waited out inside the poll; a later one pauses the stream. */
  maxInlineWaitMs: number;
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_REQUEST_POLICY: RequestPolicy = { retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 }, maxInlineWaitMs: 60_000 };

/** Injected by tests so waits cost no wall-clock time. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export type RequestOutcome<T> =
  | { ok: true; value: T }
  /** `auth`: the credentials were refused (the caller stops the stream); `paused`: rate limited until `until`; `failed`: gave up for this poll. */
  | { ok: false; reason: 'auth' | 'paused' | 'failed' | 'aborted'; error?: TriageError; until?: number };

export interface RequestContext {
  /** The platform's name for log lines: "Bluesky", "Mastodon". */
  platform: string;
  stream: string;
  policy: RequestPolicy;
  log: Logger;
  now: () => number;
  signal: AbortSignal;
  translate: (error: unknown) => TriageError;
  onRateLimited?: (() => void) | undefined;
  sleep?: Sleep | undefined;
  /** A failure this accepts comes back at once as `failed`, unlogged: the caller expected it (a deprecated edge). */
  quiet?: ((error: TriageError) => boolean) | undefined;
}

/**
 * One request under the policy: waits out a near rate-limit reset, backs off and retries what is
 * retryable, and otherwise says why it stopped. Never throws; logs every wait and the final failure
 * (auth failures are left to the caller, which knows the setting to name).
 */
export async function requestWithPolicy<T>(ctx: RequestContext, call: () => Promise<T>): Promise<RequestOutcome<T>> {
  const { platform, stream, policy, log, now, signal } = ctx;
  const sleep = ctx.sleep ?? realSleep;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) return { ok: false, reason: 'aborted' };
    try {
      return { ok: true, value: await call() };
    } catch (raw) {
      if (signal.aborted) return { ok: false, reason: 'aborted' };
      const error = ctx.translate(raw);
      if (ctx.quiet?.(error)) return { ok: false, reason: 'failed', error };
      if (error.code === 'source-auth') return { ok: false, reason: 'auth', error };
      if (error.code === 'source-rate-limited') {
        ctx.onRateLimited?.();
        const resetAt = error.resetAt ?? now() + 60_000;
        const wait = Math.max(0, resetAt - now()) + 1000;
        if (wait <= policy.maxInlineWaitMs && attempt < policy.retry.attempts) {
          log.warn({ stream, waitMs: wait, reason: error.message }, `${platform} rate limit reached; waiting for the reset`);
          await sleep(wait, signal);
          continue;
        }
        log.warn({ stream, until: new Date(resetAt).toISOString(), reason: error.message }, `${platform} rate limit reached; stream paused until the reset`);
        return { ok: false, reason: 'paused', error, until: resetAt };
      }
      if (error.retryable && attempt < policy.retry.attempts) {
        const delay = Math.min(policy.retry.maxDelayMs, policy.retry.baseDelayMs * 2 ** attempt) * (0.5 + Math.random());
        log.warn({ stream, attempt: attempt + 1, delayMs: Math.round(delay), err: error.message }, `${platform} request failed; retrying`);
        await sleep(delay, signal);
        continue;
      }
      log.error({ stream, err: error }, `${platform} request failed; the stream resumes from its cursor on the next poll`);
      return { ok: false, reason: 'failed', error };
    }
  }
}

export interface StreamGuardOptions {
  /** The platform's name as people read it, for log lines: "Facebook", "Google". */
  platform: string;
  log: Logger;
  now: () => number;
  policy?: RequestPolicy | undefined;
  sleep?: Sleep | undefined;
  /** Told of every rate limit met. */
  onRateLimited?: (() => void) | undefined;
  /** An auth failure that concerns the credential itself (not one stream's permission) stops every stream. */
  isCredentialFailure?: ((error: TriageError) => boolean) | undefined;
}

export type GuardedResult<T> = { ok: true; value: T } | { ok: false; error?: TriageError };

/**
 * {@link requestWithPolicy} with the per-stream state a source needs between polls: which streams
 * are stopped for an auth failure (one clear line, then no more requests until restart) and which
 * are paused until a rate limit resets.
 */
export function createStreamGuard(options: StreamGuardOptions) {
  const { platform, log, now } = options;
  const policy = options.policy ?? DEFAULT_REQUEST_POLICY;
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
    const outcome = await requestWithPolicy({ platform, stream, policy, log, now, signal, translate, onRateLimited: options.onRateLimited, sleep: options.sleep, quiet }, work);
    if (outcome.ok) return outcome;
    if (outcome.reason === 'auth') {
      const error = outcome.error!;
      stopped.add(stream);
      if (options.isCredentialFailure?.(error)) {
        credentialRejected = true;
        log.error({ stream, err: error }, `${error.message} Every ${platform} stream is stopped until restart.`);
      } else {
        log.error({ stream, err: error }, `${error.message} The ${stream} stream is stopped until restart.`);
      }
    }
    if (outcome.reason === 'paused') pausedUntil.set(stream, outcome.until!);
    return outcome.error ? { ok: false, error: outcome.error } : { ok: false };
  }

  /** Pauses a stream without a failure (a usage header said the budget is spent). */
  function pause(stream: string, until: number): void {
    pausedUntil.set(stream, until);
  }

  return { ready, run, pause, policy, pausedUntil: pausedUntil as ReadonlyMap<string, number>, stopped: stopped as ReadonlySet<string> };
}

export type StreamGuard = ReturnType<typeof createStreamGuard>;

/** A fetch that gives up after `timeoutMs` and when `stop` aborts, whatever the caller's own signal says. */
export function fetchWithTimeout(timeoutMs: number, stop?: AbortSignal): typeof globalThis.fetch {
  return (input, init) => {
    const signals = [AbortSignal.timeout(timeoutMs)];
    const own = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (own) signals.push(own);
    if (stop) signals.push(stop);
    return globalThis.fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
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
