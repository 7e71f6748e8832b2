export { createServer, type ConcordServer, type ListeningAddress } from './server.js';
export {
  parseCliConfig,
  ConfigError,
  CLI_USAGE,
  DEFAULT_PORT,
  DEFAULT_HOST,
  DEFAULT_DATA_DIR,
  DEFAULT_TOKEN_TTL_MS,
  type CliConfig,
  type Clock,
  type ServerOptions,
} from './config.js';
export { createLogger, silentLogger, type Logger } from './log.js';
export type { ScryptParams } from './auth/password.js';
export type { LoginLimiterOptions, RegistrationLimiterOptions } from './auth/rateLimit.js';
export type {
  AccessPolicy,
  AuthContext,
  Authenticator,
  ServerDocWriter,
  SessionEvents,
  SyncLimits,
  SyncService,
  SyncServiceOptions,
} from './seams.js';
