/**
 * Session expiry on open sockets (SPEC AUTH-WS-4, AUTH-6): a socket whose session expires is closed with 4401 like a
 * revoked one, by the session sweep. A real server on port 0 with an injected clock and a short sweep interval, real
 * sockets, real SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, FrameKind } from '@concord/protocol';
import { createServer, type ConcordServer } from '../src/server.js';
import { silentLogger } from '../src/log.js';
import { MuxClient, RawClient, login, register, removeDir, tempDataDir, within, type Account } from './syncHarness.js';

const MINUTE = 60_000;
const TTL = 60 * MINUTE;

let now = Date.UTC(2030, 0, 1);
let server: ConcordServer;
let dataDir: string;
let http: string;
let ws: string;

beforeAll(async () => {
  dataDir = tempDataDir();
  server = createServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    scrypt: { N: 1 << 10 },
    clock: () => now,
    tokenTtlMs: TTL,
    sessionSweepMs: 20,
  });
  const addr = await server.listen();
  http = `http://127.0.0.1:${addr.port}`;
  ws = `ws://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await server.close();
  removeDir(dataDir);
});

async function me(who: Account): Promise<number> {
  return (await fetch(`${http}/v1/me`, { headers: { authorization: `Bearer ${who.token}` } })).status;
}

async function pong(c: MuxClient, nonce: number): Promise<void> {
  c.sendFrame({ kind: FrameKind.Ping, nonce });
  expect((await c.waitFrame(FrameKind.Pong, (f) => f.nonce === nonce)).nonce).toBe(nonce);
}

describe('session expiry and open sockets', () => {
  it('[AUTH-WS-4] an open socket is use: a connected device outlives its ttl on both endpoints and its token keeps working; an idle one expires', async () => {
    const alice = await register(http, 'alice');
    const idle = await login(http, alice.username);
    const bob = await register(http, 'bob');

    const mux = await MuxClient.connect(ws, alice.token);
    const plain = RawClient.open(`${ws}/v1/doc/user:${bob.userId}?token=${bob.token}`);
    await plain.waitMessage((m) => m[0] === FrameKind.Sync);

    // Three ttls pass without any HTTP use; the sweep sees the open sockets and extends their sessions.
    for (let i = 0; i < 3; i++) {
      now += TTL - MINUTE;
      await new Promise((resolve) => setTimeout(resolve, 60));
      await pong(mux.client, 1 + i);
    }
    expect(await me(alice)).toBe(200);
    expect(await me(bob)).toBe(200);
    // The device that never connected expired, and its token is refused everywhere.
    expect(await me(idle)).toBe(401);
    const refused = MuxClient.openSync(ws, { queryToken: idle.token });
    expect((await within(refused.closed, 2000, 'close')).code).toBe(CloseCode.Unauthorized);
    // Neither socket was closed.
    const open = await Promise.race([plain.closed.then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('open'), 50))]);
    expect(open).toBe('open');
    mux.client.close();
  });

  it('[AUTH-WS-4] [AUTH-6] once its sockets are gone a session expires a ttl after its last use, and a new socket with it gets 4401', async () => {
    const carol = await register(http, 'carol');
    const { client } = await MuxClient.connect(ws, carol.token);
    now += TTL - MINUTE;
    await new Promise((resolve) => setTimeout(resolve, 60));
    await pong(client, 10);
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    now += TTL + MINUTE;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await me(carol)).toBe(401);
    const again = MuxClient.openSync(ws, { queryToken: carol.token });
    expect((await within(again.closed, 2000, 'close')).code).toBe(CloseCode.Unauthorized);
  });
});
