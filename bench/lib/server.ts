/**
 * A real sync server in this process for the client-side benches: createServer on 127.0.0.1, a free port, SQLite in
 * a fresh temp dir (deleted on stop). As in bench/load/server.mjs, the registration and conversation limiters are
 * lifted (a bench signs up many accounts from one address); scrypt is cheaper (N=2^10) because sign-up is setup,
 * not what these benches measure. Sockets, auth, validation and storage are the product's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, silentLogger } from '@concord/sync-server';

export interface BenchServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'concord-bench-server-'));
  const server = createServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logger: silentLogger(),
    scrypt: { N: 1 << 10 },
    registrationLimits: { burst: 1_000_000 },
    conversationLimits: { createBurst: 1_000_000, addBurst: 1_000_000 },
  });
  const { port } = await server.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
