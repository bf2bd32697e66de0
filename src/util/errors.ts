/** Error codes that callers can branch on; every error we throw across a boundary has one. */
export type TriageErrorCode =
  | 'config'
  | 'data-file'
  | 'store'
  | 'source-auth'
  | 'source-rate-limited'
  | 'source-unavailable'
  | 'source-bad-response'
  | 'chat-auth'
  | 'chat-rate-limited'
  | 'chat-unavailable'
  | 'chat-bad-request';

export class TriageError extends Error {
  readonly code: TriageErrorCode;
  readonly retryable: boolean;
  /** For rate limits: when (epoch ms) the limit resets and a retry may go. */
  readonly resetAt: number | undefined;

  constructor(code: TriageErrorCode, message: string, options: { retryable?: boolean; cause?: unknown; resetAt?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TriageError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.resetAt = options.resetAt;
  }
}

/**
 * Configuration or data-file problems, all of them at once, each naming the variable or file and
 * how to fix it. The CLI prints them and exits 2.
 */
export class ConfigError extends TriageError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('config', `configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
