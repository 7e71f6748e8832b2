/**
 * A socket never outlives its token (SPEC AUTH-WS-5, issue 21 High 1): a socket opened with `?token=T` is closed when
 * T is revoked, rotated or expires, before or after HELLO, and an empty-token HELLO is checked against the session
 * state at HELLO, not at the upgrade. Real server on port 0 with an injected clock (no expiry sweep, so the HELLO
 * check is what refuses an expired token), real sockets, real SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, FrameKind, PROTOCOL_VERSION } from '@concord/protocol';
import { MuxClient, RawClient, login, register, removeDir, revoke, startTestServer, within, type Account, type TestServer } from './syncHarness.js';

const TTL = 60 * 60_000;
let now = Date.UTC(2030, 0, 1);
let srv: TestServer;
let http: string;
let ws: string;

beforeAll(async () => {
  // No sweep during these tests: an expired token must be refused by the HELLO check itself.
  srv = await startTestServer({ clock: () => now, tokenTtlMs: TTL, sessionSweepMs: 3_600_000 });
  http = srv.http;
  ws = srv.ws;
});
afterAll(async () => {
  await srv.close();
  removeDir(srv.dataDir);
});

async function refresh(who: Account): Promise<string> {
  const res = await fetch(`${http}/v1/sessions/refresh`, { method: 'POST', headers: { authorization: `Bearer ${who.token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** Opens `/v1/sync?token=` and waits until the server has served the upgrade, without saying HELLO. */
async function unwelcomed(token: string): Promise<MuxClient> {
  const c = MuxClient.openSync(ws, { queryToken: token });
  await within(c.opened, 5000, 'open');
  return c;
}

function emptyHello(c: MuxClient): void {
  c.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token: '', cursor: 0 });
}

/** The socket is closed with 4401 and never welcomed as the token's user. */
async function refusedAsVictim(c: MuxClient): Promise<void> {
  expect((await within(c.closed, 2000, 'close')).code).toBe(CloseCode.Unauthorized);
  expect(c.frames().some((f) => f.kind === FrameKind.Welcome)).toBe(false);
}

describe('a socket never outlives its token', () => {
  it('[AUTH-WS-5] a ?token= socket whose device is revoked before HELLO is closed, and an empty-token HELLO is not welcomed', async () => {
    const alice = await register(http, 'alice');
    const stolen = await login(http, alice.username);
    const c = await unwelcomed(stolen.token);
    await revoke(http, alice, stolen.deviceId);
    // The attack: HELLO with an empty token, counting on the upgrade's check.
    if (c.socket.readyState === c.socket.OPEN) emptyHello(c);
    await refusedAsVictim(c);
  });

  it('[AUTH-WS-5] rotating a token closes the sockets opened with it, welcomed or not; the new token connects', async () => {
    const bob = await register(http, 'bob');
    const welcomed = await MuxClient.connect(ws, bob.token);
    const plain = RawClient.open(`${ws}/v1/doc/user:${bob.userId}?token=${bob.token}`);
    await plain.waitMessage((m) => m[0] === FrameKind.Sync);
    const early = await unwelcomed(bob.token);

    const fresh = await refresh(bob);
    expect((await within(welcomed.client.closed, 2000, 'welcomed close')).code).toBe(CloseCode.Unauthorized);
    expect((await within(plain.closed, 2000, 'plain close')).code).toBe(CloseCode.Unauthorized);
    if (early.socket.readyState === early.socket.OPEN) emptyHello(early);
    await refusedAsVictim(early);

    const again = await MuxClient.connect(ws, fresh);
    expect(again.welcome.userId).toBe(bob.userId);
    again.client.close();
  });

  it('[AUTH-WS-5] a token that expired between the upgrade and HELLO is refused at HELLO with ERROR unauthorized', async () => {
    const carol = await register(http, 'carol');
    const c = await unwelcomed(carol.token);
    now += TTL + 60_000;
    emptyHello(c);
    expect((await c.waitFrame(FrameKind.Error)).code).toBe(ErrorCode.Unauthorized);
    await refusedAsVictim(c);
  });
});
