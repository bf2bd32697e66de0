import { webApi } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { TriageError } from '../../util/errors.js';
import { sleep, untilAborted } from '../../util/sleep.js';

/** Rate limits up to this long are waited out in the call; longer ones pause sending (see chat-backoff). */
export const MAX_INLINE_RATE_LIMIT_MS = 5_000;
/** How many short rate limits one call waits out before it gives up into the backoff. */
const MAX_INLINE_WAITS = 3;

const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'team_disabled', 'user_removed_from_team', 'not_allowed_token_type', 'ekm_access_denied']);
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action', 'restricted_action_read_only_channel', 'restricted_action_thread_only_channel']);
const DOWN_ERRORS = new Set(['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org', 'ratelimited']);

/** The Slack error code of a failure (`channel_not_found`), when Slack answered with one. */
export function slackErrorCode(error: unknown): string | undefined {
  return error instanceof webApi.WebAPIPlatformError ? error.data.error : undefined;
}

/**
 * Slack failures as our errors. Auth, scope and channel failures stop the bot with the setting to
 * fix (retrying them helps nobody); outages and 429s are retryable and pause sending.
 */
export function translateSlackError(error: unknown, what: string): TriageError {
  if (error instanceof TriageError) return error;
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new TriageError('chat-rate-limited', `Slack rate limit while ${what} (${error.retryAfter} s)`, { retryable: true, cause: error, resetAt: Date.now() + error.retryAfter * 1000 });
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error;
    if (AUTH_ERRORS.has(code)) return new TriageError('chat-auth', `Slack rejected the bot token while ${what} (${code}). Check SLACK_BOT_TOKEN (your app → OAuth & Permissions → Bot User OAuth Token).`, { cause: error });
    if (code === 'missing_scope') {
      const needed = (error.data as { needed?: unknown }).needed;
      return new TriageError('chat-auth', `Slack refused ${what}: the app lacks the ${typeof needed === 'string' ? needed : 'needed'} scope. Add it (deploy/slack-manifest.json lists them all) and reinstall the app.`, { cause: error });
    }
    if (CHANNEL_ERRORS.has(code)) return new TriageError('chat-auth', `Slack refused ${what} (${code}). Check SLACK_ALERT_CHANNEL_ID / SLACK_URGENT_CHANNEL_ID / SLACK_DIGEST_CHANNEL_ID, and invite the app to each channel (/invite @Triage).`, { cause: error });
    if (DOWN_ERRORS.has(code)) return new TriageError('chat-unavailable', `Slack answered ${code} while ${what}`, { retryable: true, cause: error });
    return new TriageError('chat-bad-request', `Slack refused ${what}: ${code}`, { cause: error });
  }
  if (error instanceof webApi.WebAPIHTTPError) return new TriageError('chat-unavailable', `Slack answered HTTP ${error.statusCode} while ${what}`, { retryable: true, cause: error });
  return new TriageError('chat-unavailable', `could not reach Slack while ${what}: ${(error as Error)?.message ?? String(error)}`, { retryable: true, cause: error });
}

export interface SlackCallerOptions {
  log: Logger;
  /** Aborted when the bot stops: every call gives up at once, even while waiting out a rate limit. */
  signal?: AbortSignal | undefined;
  /** Told of every 429. */
  onRateLimited?: (() => void) | undefined;
}

/** Runs one Web API call (or a few, as files.uploadV2 does) the way every Slack call is run here. */
export type SlackCall = <T>(what: string, request: () => Promise<T>) => Promise<T>;

/**
 * Calls run through here: WebClient is built with `rejectRateLimitedCalls`, so a 429 comes back at
 * once; a `Retry-After` of up to {@link MAX_INLINE_RATE_LIMIT_MS} is waited out and the call tried
 * again, a longer one fails with `chat-rate-limited` and its reset time, so the outbox pauses
 * instead of holding a request (and the whole WebClient queue) for minutes. The stop signal ends
 * the wait and the call.
 */
export function createSlackCaller(options: SlackCallerOptions): SlackCall {
  const { log, signal } = options;
  const stopped = (what: string) => () => new TriageError('chat-unavailable', `stopped while ${what}`, { retryable: true });
  return async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
    for (let waits = 0; ; waits++) {
      try {
        return await untilAborted(request(), signal, stopped(what));
      } catch (error) {
        if (error instanceof webApi.WebAPIRateLimitedError) {
          options.onRateLimited?.();
          const waitMs = error.retryAfter * 1000;
          const inline = waitMs <= MAX_INLINE_RATE_LIMIT_MS && waits < MAX_INLINE_WAITS && !signal?.aborted;
          log.warn({ what, waitMs }, inline ? 'Slack rate limit: waiting for the reset' : 'Slack rate limit: pausing sends until the reset');
          if (inline) {
            await sleep(waitMs, signal);
            if (signal?.aborted) throw stopped(what)();
            continue;
          }
        }
        throw translateSlackError(error, what);
      }
    }
  };
}

/** A logger for a WebClient that should say nothing (doctor's one check). */
const SILENT: webApi.Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, setLevel: () => {}, getLevel: () => webApi.LogLevel.ERROR, setName: () => {},
};

/** `triage doctor`'s check: does Slack accept the bot token (auth.test)? Its team and bot user, or our error. */
export async function verifySlackBotToken(config: { botToken: string; apiUrl: string }): Promise<{ team: string; user: string }> {
  const web = new webApi.WebClient(config.botToken, { slackApiUrl: config.apiUrl, logger: SILENT, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000 });
  try {
    const auth = await web.auth.test();
    return { team: auth.team ?? '?', user: auth.user ?? '?' };
  } catch (error) {
    throw translateSlackError(error, 'checking the bot token');
  }
}
