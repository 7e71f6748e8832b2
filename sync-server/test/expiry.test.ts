/**
 * Session expiry on open sockets (SPEC AUTH-WS-4, AUTH-6): a socket whose session expires is closed with 4401 like a
 * revoked one, by the session sweep. A real server on port 0 with an injected clock and a short sweep interval, real
 * sockets, real SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, FrameKind } from '@concord/client-core/protocol';
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

describe('session expiry on open sockets', () => {
  it('[AUTH-WS-4] a session that expires while its sockets are open gets them closed with 4401 on both endpoints; sessions in use stay', async () => {
    const alice = await register(http, 'alice');
    const second = await login(http, alice.username);
    const bob = await register(http, 'bob');

    const expiring = await MuxClient.connect(ws, alice.token);
    const plain = RawClient.open(`${ws}/v1/doc/user:${alice.userId}?token=${alice.token}`);
    await plain.waitMessage((m) => m[0] === FrameKind.Sync);
    const kept = await MuxClient.connect(ws, second.token);
    const other = await MuxClient.connect(ws, bob.token);

    // Half-way, the second device and Bob use their sessions (HTTP), which slides their expiry forward (AUTH-6).
    now += TTL / 2;
    expect(await me(second)).toBe(200);
    expect(await me(bob)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await pong(expiring.client, 1);

    // Past the first device's expiry: the sweep closes its sockets, at once and with 4401.
    now += TTL / 2 + MINUTE;
    const started = Date.now();
    expect((await expiring.client.waitClose(2000)).code).toBe(CloseCode.Unauthorized);
    expect((await plain.waitClose(2000)).code).toBe(CloseCode.Unauthorized);
    expect(Date.now() - started).toBeLessThan(1000);

    // The other sessions, of the same user and of another, are untouched.
    await pong(kept.client, 2);
    await pong(other.client, 3);
    // The expired token is refused everywhere, and each expiry is reported once.
    expect(await me(alice)).toBe(401);
    const again = MuxClient.openSync(ws, { queryToken: alice.token });
    expect((await within(again.closed, 2000, 'close')).code).toBe(CloseCode.Unauthorized);
    expect(server.sessions.sweepExpired()).toEqual([]);
    kept.client.close();
    other.client.close();
  });

  it('[AUTH-WS-4] [AUTH-6] a session kept alive by use is never swept; it expires a ttl after its last use', async () => {
    const carol = await register(http, 'carol');
    const { client } = await MuxClient.connect(ws, carol.token);
    for (let i = 0; i < 3; i++) {
      now += TTL - MINUTE;
      expect(await me(carol)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 60));
      await pong(client, 10 + i);
    }
    now += TTL;
    expect((await client.waitClose(2000)).code).toBe(CloseCode.Unauthorized);
  });
});
