import { AtpAgent, XRPCError, type AtpSessionData, type AtpSessionEvent } from '@atproto/api';
import type { BlueskyConfig } from '../../config.js';
import type { Logger } from '../../logger.js';
import { TriageError } from '../../util/errors.js';
import { fetchWithTimeout } from '../request-policy.js';
import type { SessionStore } from '../session-store.js';

export interface BlueskyClientOptions {
  /** Per-request timeout; a hung request fails as retryable. Default 20 s. */
  timeoutMs?: number;
  /** Aborted when the bot stops: the request in flight is cancelled at once. */
  signal?: AbortSignal;
  log?: Logger;
}

/**
 * The official `@atproto/api` agent at `BLUESKY_SERVICE`. Every session change the agent makes (a
 * login, a refresh after `ExpiredToken` that rotates the refresh token, an expiry) is written to
 * `sessions` at once, so a restart resumes instead of creating a session (about 100 a day allowed).
 */
export function createBlueskyAgent(config: Pick<BlueskyConfig, 'service'>, sessions: SessionStore, options: BlueskyClientOptions = {}): AtpAgent {
  return new AtpAgent({
    service: config.service,
    fetch: fetchWithTimeout(options.timeoutMs ?? 20_000, options.signal),
    persistSession: (event: AtpSessionEvent, session: AtpSessionData | undefined) => {
      if ((event === 'create' || event === 'update') && session) sessions.save(JSON.stringify(session));
      else if (event === 'expired') sessions.clear();
      options.log?.debug({ event }, 'Bluesky session changed');
    },
  });
}

/**
 * Logs in only when it must: the agent's session if it has one, else the stored one (resumed, which
 * refreshes it once), else `createSession` with the app password.
 */
export async function ensureBlueskySession(agent: AtpAgent, config: Pick<BlueskyConfig, 'handle' | 'appPassword'>, sessions: SessionStore): Promise<'kept' | 'resumed' | 'created'> {
  if (agent.hasSession) return 'kept';
  const stored = parseSession(await sessions.load());
  if (stored && sameAccount(stored, config.handle)) {
    try {
      await agent.resumeSession(stored);
      return 'resumed';
    } catch (error) {
      // The agent keeps the session on a passing failure and drops it when the refresh token is dead.
      if (agent.hasSession) throw translateBlueskyError(error, 'resuming the saved session');
    }
  }
  try {
    await agent.login({ identifier: config.handle, password: config.appPassword });
  } catch (error) {
    throw translateBlueskyError(error, `BLUESKY_HANDLE=${config.handle}`);
  }
  return 'created';
}

function parseSession(raw: string | undefined): AtpSessionData | undefined {
  if (raw === undefined) return undefined;
  try {
    const data = JSON.parse(raw) as Partial<AtpSessionData>;
    return typeof data.did === 'string' && typeof data.refreshJwt === 'string' && typeof data.accessJwt === 'string' ? (data as AtpSessionData) : undefined;
  } catch {
    return undefined;
  }
}

/** A session saved for another account (BLUESKY_HANDLE changed) is not resumed. */
function sameAccount(session: AtpSessionData, identifier: string): boolean {
  const id = identifier.toLowerCase();
  return session.did === identifier || session.handle.toLowerCase() === id;
}

/** Bluesky failures as our errors: auth (stop the stream), rate limit (wait), unavailable (back off). */
export function translateBlueskyError(error: unknown, what: string): TriageError {
  if (error instanceof TriageError) return error;
  // XRPCInvalidResponseError (not exported by @atproto/api): the body does not match the lexicon.
  if (error instanceof XRPCError && 'validationError' in error) {
    const detail = (error.validationError as Error | undefined)?.message ?? error.message;
    return new TriageError('source-bad-response', `Bluesky sent a response for ${what} that does not match its lexicon (${detail})`, { retryable: true, cause: error });
  }
  if (error instanceof XRPCError) {
    const status = error.status;
    const detail = [error.error, error.message].filter((s, i, all) => s && all.indexOf(s) === i).join(': ');
    if (status === 401 || (status === 400 && ['ExpiredToken', 'InvalidToken', 'AuthFactorTokenRequired', 'AccountTakedown'].includes(error.error ?? ''))) {
      const hint = error.error === 'AuthFactorTokenRequired'
        ? 'The account asks for an email code: use an app password (Settings → Privacy and security → App passwords), which skips it.'
        : 'Check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (create an app password under Settings → Privacy and security → App passwords); `triage doctor` tests them.';
      return new TriageError('source-auth', `Bluesky rejected the login for ${what} (${status} ${detail}). ${hint}`, { cause: error });
    }
    if (status === 403) {
      return new TriageError('source-auth', `Bluesky refused ${what} (403 ${detail}). The account may be suspended or the app password too narrow; \`triage doctor\` tells more.`, { cause: error });
    }
    if (status === 429) {
      const reset = Number(error.headers?.['ratelimit-reset']);
      return new TriageError('source-rate-limited', `Bluesky rate limit reached for ${what}`, {
        retryable: true,
        cause: error,
        resetAt: Number.isFinite(reset) && reset > 0 ? reset * 1000 : Date.now() + 60_000,
      });
    }
    // 1 = no HTTP answer (network, timeout), 2 = an unreadable body.
    if (status >= 500 || status === 1 || status === 2) {
      const reason = status === 1 ? `could not reach Bluesky: ${error.message}` : status === 2 ? `unreadable answer: ${error.message}` : `answered ${status}`;
      return new TriageError('source-unavailable', `Bluesky ${reason} for ${what}`, { retryable: true, cause: error });
    }
    return new TriageError('source-bad-response', `Bluesky answered ${status} for ${what}: ${detail}`, { cause: error });
  }
  return new TriageError('source-bad-response', `unexpected failure reading ${what} from Bluesky: ${(error as Error)?.message ?? String(error)}`, { retryable: true, cause: error });
}
