import type { Logger } from '../logger.js';
import { TriageError } from '../util/errors.js';
import { sleep } from '../util/sleep.js';

/** How a source treats failed requests: the X poller's rules, shared by the newer adapters. */
export interface RequestPolicy {
  /** Retries after a 5xx, a timeout, a network error or an unreadable body; backoff doubles from `baseDelayMs`, with jitter. */
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** A 429 whose reset is at most this far away is waited out inside the poll; a later one pauses the stream. */
  maxInlineWaitMs: number;
}

export const DEFAULT_REQUEST_POLICY: RequestPolicy = { retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 }, maxInlineWaitMs: 60_000 };

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
}

/**
 * One request under the policy: waits out a near rate-limit reset, backs off and retries what is
 * retryable, and otherwise says why it stopped. Never throws; logs every wait and the final failure
 * (auth failures are left to the caller, which knows the setting to name).
 */
export async function requestWithPolicy<T>(ctx: RequestContext, call: () => Promise<T>): Promise<RequestOutcome<T>> {
  const { platform, stream, policy, log, now, signal } = ctx;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) return { ok: false, reason: 'aborted' };
    try {
      return { ok: true, value: await call() };
    } catch (raw) {
      if (signal.aborted) return { ok: false, reason: 'aborted' };
      const error = ctx.translate(raw);
      if (error.code === 'source-auth') return { ok: false, reason: 'auth', error };
      if (error.code === 'source-rate-limited') {
        ctx.onRateLimited?.();
        const resetAt = error.resetAt ?? now() + 60_000;
        const wait = Math.max(0, resetAt - now()) + 1000;
        if (wait <= policy.maxInlineWaitMs && attempt < policy.retry.attempts) {
          log.warn({ stream, waitMs: wait }, `${platform} rate limit reached; waiting for the reset`);
          await sleep(wait, signal);
          continue;
        }
        log.warn({ stream, until: new Date(resetAt).toISOString() }, `${platform} rate limit reached; stream paused until the reset`);
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
