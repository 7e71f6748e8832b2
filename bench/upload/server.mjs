/**
 * The server process of the upload bench: the real server (createServer, SQLite, blob files, resumable uploads) with
 * the product's defaults, except the registration limiter. Prints `{"ready":true,"port":..}` when listening.
 */
import { parseArgs } from 'node:util';
import { createServer } from '../../sync-server/src/server.ts';
import { createLogger } from '../../sync-server/src/log.ts';

const { values } = parseArgs({ options: { data: { type: 'string' } } });
if (!values.data) throw new Error('--data is required');
const server = createServer({
  dataDir: values.data,
  port: 0,
  host: '127.0.0.1',
  logger: createLogger('warn', process.stderr),
  scrypt: { N: 1 << 12 },
  registrationLimits: { burst: 1_000, refillMs: 1 },
});
const address = await server.listen();
process.stdout.write(`${JSON.stringify({ ready: true, port: address.port, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});
