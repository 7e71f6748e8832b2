/**
 * A real sync-server for the browser tests: port 0 on first start, then the same port and data dir on every
 * restart, serving the built web client. Unlike the sync-server test helper it can stay down for a while
 * (`stop()` then `start()`), so a test can reload a page while the server is unreachable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ConcordServer } from '../../../../sync-server/src/server.js';
import { silentLogger } from '../../../../sync-server/src/log.js';
import { DIST } from './build.js';

export class E2eServer {
  private server: ConcordServer | null = null;
  private port = 0;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'concord-web-e2e-'));

  /** `presenceGraceMs`: how long a closed tab still counts as online (PRES-1; tests shorten the 5 s). */
  constructor(private readonly options: { presenceGraceMs?: number } = {}) {}

  get url(): string {
    if (this.port === 0) throw new Error('server never started');
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.server !== null) return;
    const server = createServer({
      host: '127.0.0.1',
      port: this.port,
      dataDir: this.dataDir,
      staticDir: DIST,
      logger: silentLogger(),
      scrypt: { N: 1 << 10 },
      registrationLimits: { burst: 1_000 },
      ...(this.options.presenceGraceMs === undefined ? {} : { presenceGraceMs: this.options.presenceGraceMs }),
    });
    this.port = (await server.listen()).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s !== null) await s.close();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
