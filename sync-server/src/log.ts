/**
 * Structured logging: pino, one JSON line per event. The logger is created by whoever starts the server and passed
 * down; nothing here is a module-level singleton, so tests run several servers with silent loggers in one process.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function isLogLevel(value: string): value is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'concord-sync-server' },
    // Never let a token or password reach a log line, whatever object a caller logs.
    redact: { paths: ['token', 'password', '*.token', '*.password', 'req.headers.authorization'], censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
