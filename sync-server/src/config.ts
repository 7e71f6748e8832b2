/**
 * Server configuration. `createServer` takes a plain `ServerOptions` object and never reads the environment or
 * mutates what it was given; `parseCliConfig` is the only place that looks at argv and env (called by cli.ts).
 */
import type { UploadLimits } from './http/uploads.js';
import { parseArgs } from 'node:util';
import { isLogLevel } from './log.js';
import type { LevelWithSilent, Logger } from 'pino';
import type { SyncLimits } from './seams.js';
import type { TrustLimits } from './trust/limits.js';
import type { ScryptParams } from './auth/password.js';
import type { LoginLimiterOptions, RegistrationLimiterOptions } from './auth/rateLimit.js';
import type { BlobQuota } from './http/blobs.js';
import type { ConversationLimits } from './http/conversations.js';

/** Milliseconds since the epoch. Injected so that token expiry and rate limits can be tested without waiting. */
export type Clock = () => number;

export const DEFAULT_PORT = 1234;
export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_MAX_BLOB_BYTES = 25 * 1024 * 1024;
export const DEFAULT_SESSION_SWEEP_MS = 30_000;

export interface ServerOptions {
  /** Directory holding `concord.db` and `blobs/`; created if missing. */
  readonly dataDir: string;
  /** TCP port; 0 picks a free one (tests). Default 1234. */
  readonly port?: number;
  /** Interface to bind. Default 0.0.0.0. */
  readonly host?: string;
  /** Defaults to an info-level pino logger on stdout. */
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Sliding session lifetime: a token unused for this long expires. Default 30 days. */
  readonly tokenTtlMs?: number;
  /** How often sockets of expired sessions are looked for and closed with 4401 (AUTH-WS-4). Default 30 s. */
  readonly sessionSweepMs?: number;
  /** Largest accepted JSON request body. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** Largest accepted attachment (BLOB-1); a bigger upload is cut off with 413. Default 25 MiB. */
  readonly maxBlobBytes?: number;
  /** [BLOB-5] Unreferenced uploads: bytes per user and grace period; and how often they are collected (default 10 min). */
  readonly blobQuota?: Partial<BlobQuota>;
  readonly blobCollectMs?: number;
  /** [UPLOAD-1..5] Resumable uploads: chunk size limit, session lifetime, open sessions per user. */
  readonly uploadLimits?: Partial<UploadLimits>;
  /**
   * Slow-loris bound: a whole request (headers and body) within this time, default 30 s. A resumable upload's chunks
   * are each one request (UPLOAD-2), so a slow link needs small chunks, not a longer timeout.
   */
  readonly requestTimeoutMs?: number;
  /** [HTTP-23] Conversations created and people added per user. */
  readonly conversationLimits?: Partial<ConversationLimits>;
  /** Password hashing cost; the default keeps one login under ~100 ms on the reference machine. */
  readonly scrypt?: Partial<ScryptParams>;
  readonly loginLimits?: Partial<LoginLimiterOptions>;
  readonly registrationLimits?: Partial<RegistrationLimiterOptions>;
  /** Passed through to the sync service. */
  readonly syncLimits?: Partial<SyncLimits>;
  /** Trust rule limits (SPEC TRUST-9..13), passed to the sync service; false switches the rules off (benches only). */
  readonly trust?: Partial<TrustLimits> | false;
  /** [PRES-1] How long after a user's last socket closed they still count as online (default 5 s; tests shorten it). */
  readonly presenceGraceMs?: number;
  /** [PRES-4] Presence on (default); false only for the bench that measures its cost. */
  readonly presence?: boolean;
  /** A built single-page app (the web client's dist/) to serve at `/`; none when undefined. */
  readonly staticDir?: string;
  /** [TLS-1] Serve HTTPS and WSS with this certificate chain and key (PEM); plain HTTP when undefined. */
  readonly tls?: TlsOptions;
}

export interface TlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'bad_config';
}

export interface CliConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logLevel: LevelWithSilent;
  /** `--static` / CONCORD_STATIC; null: cli.ts serves the built web client when it exists, `none` disables. */
  readonly staticDir: string | null;
  /** `--commit-interval-ms` / CONCORD_COMMIT_INTERVAL_MS (DUR-1); null: the sync default. */
  readonly commitIntervalMs: number | null;
  /** `--tls-cert`/`--tls-key` (CONCORD_TLS_CERT/CONCORD_TLS_KEY): PEM file paths, both or neither (TLS-1). */
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  readonly help: boolean;
}

export const CLI_USAGE = `Usage: concord-server [--port <n>] [--host <addr>] [--data <dir>] [--log-level <level>]
                      [--static <dir>] [--commit-interval-ms <n>] [--tls-cert <file> --tls-key <file>]

  --port       TCP port (env PORT, default ${DEFAULT_PORT})
  --host       interface to bind (env HOST, default ${DEFAULT_HOST})
  --data       data directory holding concord.db (env CONCORD_DATA, default ${DEFAULT_DATA_DIR})
  --log-level  fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)
  --static     directory of a built web app to serve at / (env CONCORD_STATIC, default the built web-client
               when it exists; "none" to serve none)
  --commit-interval-ms  least time between two group commits, 1-1000 (env CONCORD_COMMIT_INTERVAL_MS, default 8):
               lower trades server CPU per message for latency
  --tls-cert   PEM certificate chain: serve HTTPS and WSS (env CONCORD_TLS_CERT; needs --tls-key)
  --tls-key    PEM private key of that certificate (env CONCORD_TLS_KEY; needs --tls-cert)
`;

/** Flags win over environment variables, which win over defaults. Throws ConfigError on bad values. */
export function parseCliConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'log-level': { type: 'string' },
        static: { type: 'string' },
        'commit-interval-ms': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const port = parsePort(values.port ?? env['PORT'] ?? String(DEFAULT_PORT));
  const host = values.host ?? env['HOST'] ?? DEFAULT_HOST;
  if (host === '') throw new ConfigError('host must not be empty');
  const dataDir = values.data ?? env['CONCORD_DATA'] ?? DEFAULT_DATA_DIR;
  if (dataDir === '') throw new ConfigError('data directory must not be empty');
  const logLevel = values['log-level'] ?? env['LOG_LEVEL'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new ConfigError(`unknown log level: ${logLevel}`);
  const staticDir = values.static ?? env['CONCORD_STATIC'] ?? null;
  if (staticDir === '') throw new ConfigError('static directory must not be empty');
  const interval = values['commit-interval-ms'] ?? env['CONCORD_COMMIT_INTERVAL_MS'];
  const commitIntervalMs = interval === undefined ? null : parseCommitInterval(interval);
  const tlsCertFile = values['tls-cert'] ?? env['CONCORD_TLS_CERT'] ?? null;
  const tlsKeyFile = values['tls-key'] ?? env['CONCORD_TLS_KEY'] ?? null;
  if (tlsCertFile === '' || tlsKeyFile === '') throw new ConfigError('TLS certificate and key paths must not be empty');
  if ((tlsCertFile === null) !== (tlsKeyFile === null)) {
    throw new ConfigError('--tls-cert and --tls-key go together: give both or neither');
  }
  return { port, host, dataDir, logLevel, staticDir, commitIntervalMs, tlsCertFile, tlsKeyFile, help: values.help === true };
}

function parseCommitInterval(text: string): number {
  const ms = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(ms >= 1 && ms <= 1000)) {
    throw new ConfigError(`commit interval must be a number of milliseconds from 1 to 1000, got ${JSON.stringify(text)}`);
  }
  return ms;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new ConfigError(`port must be a number from 0 to 65535, got ${JSON.stringify(text)}`);
  const port = Number(text);
  if (port > 65535) throw new ConfigError(`port must be a number from 0 to 65535, got ${text}`);
  return port;
}
