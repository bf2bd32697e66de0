import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log record. */
export const REDACT_PATHS = [
  'token', '*.token', 'bearerToken', '*.bearerToken', 'config.x.bearerToken', 'config.discord.token',
  'botToken', '*.botToken', 'appToken', '*.appToken', 'config.slack.botToken', 'config.slack.appToken',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'pageToken', '*.pageToken', 'refreshToken', '*.refreshToken', 'clientSecret', '*.clientSecret',
];

/** JSON logs to stderr (stdout belongs to command output); tests pass their own destination. */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { app: 'triage' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
