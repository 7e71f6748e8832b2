/**
 * The server process of Concord's load bench: the real server (createServer: accounts, sessions, membership,
 * SQLite in WAL with synchronous=FULL, validation, group commit), bundled from the TypeScript sources by run.mjs.
 *
 * Differences from `npm start`, all outside the measured phase: the registration limiter is lifted (the bench
 * registers thousands of accounts from one address) and `--scrypt-n` may lower the password hashing cost so that
 * setting up 5,000 devices does not take minutes. Sockets, auth checks and storage are exactly the product's.
 *
 * Prints one JSON line `{"ready":true,"port":..}` when listening and, on SIGTERM, `{"metrics":{..}}` before exiting.
 */
import { parseArgs } from 'node:util';
import { createServer } from '../../sync-server/src/server.ts';
import { createLogger } from '../../sync-server/src/log.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    data: { type: 'string' },
    'scrypt-n': { type: 'string', default: String(1 << 14) },
    'log-level': { type: 'string', default: 'warn' },
  },
});
if (!values.data) throw new Error('--data is required');

const server = createServer({
  dataDir: values.data,
  port: Number(values.port),
  host: '127.0.0.1',
  logger: createLogger(values['log-level'], process.stderr),
  scrypt: { N: Number(values['scrypt-n']) },
  registrationLimits: { burst: 1_000_000, refillMs: 1 },
  conversationLimits: { createBurst: 1_000_000, addBurst: 1_000_000 },
  // The validation bench (bench/validation, issue 5) compares the load with the trust rules off; never set otherwise.
  ...(process.env['CONCORD_BENCH_TRUST'] === 'off' ? { trust: false } : {}),
  // The presence bench (bench/presence) compares presence on and off, with a short offline grace.
  ...(process.env['CONCORD_BENCH_PRESENCE'] === 'off' ? { presence: false } : {}),
  ...(process.env['CONCORD_BENCH_PRESENCE_GRACE_MS'] ? { presenceGraceMs: Number(process.env['CONCORD_BENCH_PRESENCE_GRACE_MS']) } : {}),
});
const address = await server.listen();
process.stdout.write(`${JSON.stringify({ ready: true, port: address.port, pid: process.pid })}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  const metrics = typeof server.sync.metrics === 'function' ? server.sync.metrics() : null;
  process.stdout.write(`${JSON.stringify({ metrics })}\n`);
  server.close().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`close failed: ${err}\n`);
      process.exit(1);
    },
  );
});
