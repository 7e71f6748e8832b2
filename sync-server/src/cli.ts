#!/usr/bin/env node
/**
 * `node sync-server/dist/cli.js [--port n] [--host addr] [--data dir] [--log-level level] [--static dir]
 * [--commit-interval-ms n]`: runs the server on the embedded SQLite default, serving the built web client at / when
 * there is one. SIGINT/SIGTERM stop accepting, close the sync service (flushing docs), close the database and exit 0;
 * a second signal exits at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_USAGE, ConfigError, parseCliConfig, type CliConfig, type TlsOptions } from './config.js';
import { createLogger } from './log.js';
import { createServer } from './server.js';

const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  let config: CliConfig;
  try {
    config = parseCliConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\n${CLI_USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  if (config.help) {
    process.stdout.write(CLI_USAGE);
    return;
  }
  const logger = createLogger(config.logLevel);
  const staticDir = resolveStaticDir(config.staticDir);
  const tls = readTls(config.tlsCertFile, config.tlsKeyFile);
  const server = createServer({
    port: config.port,
    host: config.host,
    dataDir: config.dataDir,
    logger,
    ...(staticDir === null ? {} : { staticDir }),
    ...(tls === null ? {} : { tls }),
    ...(config.commitIntervalMs === null ? {} : { syncLimits: { commitIntervalMs: config.commitIntervalMs } }),
  });
  if (staticDir === null) logger.info('no web client to serve (build it with `npm run build`, or pass --static <dir>)');
  else logger.info({ staticDir }, 'serving the web client');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  try {
    const { url } = await server.listen();
    // One plain line for the person who ran `npm start`, beside the JSON logs (on stderr, so log pipelines that read
    // stdout as JSON lines are not disturbed).
    process.stderr.write(staticDir === null ? `Concord is running: the sync server is at ${url}\n` : `Concord is running: open ${url}/\n`);
  } catch (err) {
    logger.fatal({ err }, 'could not listen');
    await server.close().catch(() => undefined);
    process.exit(1);
  }
}

/** [TLS-1] Both files are read at start: a missing or unreadable one exits 2 now, not at the first handshake. */
function readTls(certFile: string | null, keyFile: string | null): TlsOptions | null {
  if (certFile === null || keyFile === null) return null;
  try {
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (err) {
    process.stderr.write(`cannot read the TLS certificate or key: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

/** An explicit directory must exist; by default the built web client next to this package, when it is there. */
function resolveStaticDir(given: string | null): string | null {
  if (given === 'none') return null;
  if (given !== null) {
    if (!existsSync(join(given, 'index.html'))) {
      process.stderr.write(`--static ${given}: no index.html there\n`);
      process.exit(2);
    }
    return given;
  }
  const bundled = fileURLToPath(new URL('../../web-client/dist/', import.meta.url));
  return existsSync(join(bundled, 'index.html')) ? bundled : null;
}

main().catch((err: unknown) => {
  process.stderr.write(`concord-server failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
