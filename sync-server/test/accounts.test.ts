import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type * as Y from 'yjs';
import {
  convDocName,
  userDocName,
  type DocName,
  type UserId,
  CONV_META,
  USER_CONVS,
  parseConversationSummary,
  parseMeta,
} from '@concord/protocol';
import {
  api,
  createConversation,
  login,
  register,
  revokeDevice,
  startServer,
  type ApiErrorBody,
  type Session,
  type TestServer,
} from './helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

let counter = 0;
/** A fresh username per test, so tests do not depend on each other's accounts. */
function name(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

/** Reads the server's copy of a doc (a transaction that changes nothing stores nothing). */
async function readDoc<T>(doc: DocName, read: (ydoc: Y.Doc) => T): Promise<T> {
  let result: T | undefined;
  await srv.server.sync.transact(doc, (ydoc) => {
    result = read(ydoc);
  });
  return result as T;
}

interface DeviceView {
  deviceId: string;
  name: string;
  current: boolean;
  expiresAt: number;
}

describe('accounts', () => {
  it('[HTTP-3] registering returns 201 with userId, deviceId and a token', async () => {
    const res = await api<{ userId: string; deviceId: string; token: string; expiresAt: number }>(
      srv.url,
      'POST',
      '/v1/accounts',
      { body: { username: name('reg'), password: 'a-good-password', displayName: 'Reg' } },
    );
    expect(res.status).toBe(201);
    expect(res.body.userId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(res.body.deviceId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.expiresAt).toBeGreaterThan(Date.now());
  });

  it('[HTTP-3] a taken username is refused with 409, in any letter case', async () => {
    const n = name('taken');
    await register(srv.url, n);
    for (const again of [n, n.toUpperCase(), ` ${n} `]) {
      const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', {
        body: { username: again, password: 'another-password' },
      });
      expect(res.status, again).toBe(409);
      expect(res.body.error.code).toBe('conflict');
    }
  });

  it('[AUTH-1] malformed usernames are 400 invalid_name', async () => {
    for (const username of ['ab', 'x'.repeat(33), 'has space', 'ünï', '.dot', '-dash', 'a/b', 'semi;colon', '']) {
      const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', {
        body: { username, password: 'a-good-password' },
      });
      expect(res.status, username).toBe(400);
      expect(res.body.error.code, username).toBe('invalid_name');
    }
  });

  it('[AUTH-1] usernames are stored lowercased and looked up without regard to case', async () => {
    const n = name('MiXeD');
    const s = await register(srv.url, n);
    const me = await api<{ username: string }>(srv.url, 'GET', '/v1/me', { token: s.token });
    expect(me.body.username).toBe(n.toLowerCase());
    const again = await login(srv.url, n.toUpperCase(), { password: s.password });
    expect(again.userId).toBe(s.userId);
  });

  it('[AUTH-2] weak passwords are 400 weak_password', async () => {
    const username = name('weak');
    for (const password of ['short1', 'aaaaaaaaaaaa', username, username.toUpperCase(), 'p'.repeat(100) + 'x'.repeat(157)]) {
      const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', { body: { username, password } });
      expect(res.status, password).toBe(400);
      expect(res.body.error.code).toBe('weak_password');
    }
    const ok = await api(srv.url, 'POST', '/v1/accounts', { body: { username, password: 'x'.repeat(255) + 'y' } });
    expect(ok.status).toBe(201);
  });

  it('[AUTH-2] display names with control characters or of bad length are refused', async () => {
    for (const displayName of ['', '   ', 'a\u0000b', 'evil\u202Egnp.exe', 'x'.repeat(65)]) {
      const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', {
        body: { username: name('disp'), password: 'a-good-password', displayName },
      });
      expect(res.status, JSON.stringify(displayName)).toBe(400);
    }
  });

  it('[AUTH-3] the stored password is an scrypt hash with its parameters, never the password', async () => {
    const s = await register(srv.url, name('hash'), { password: 'stored-as-hash-only' });
    const row = srv.server.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(s.userId) as {
      password_hash: string;
    };
    expect(row.password_hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(row.password_hash).not.toContain('stored-as-hash-only');
  });

  it('[AUTH-3] a hash with old parameters is upgraded at the next login', async () => {
    const s = await register(srv.url, name('rehash'));
    const before = (srv.server.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(s.userId) as {
      password_hash: string;
    }).password_hash;
    const other = await startServer({ dataDir: srv.dataDir, scrypt: { N: 1 << 11 }, keepDataDir: true });
    try {
      await login(other.url, s.username, { password: s.password });
      const after = (other.server.db.prepare('SELECT password_hash FROM users WHERE id = ?').get(s.userId) as {
        password_hash: string;
      }).password_hash;
      expect(before.startsWith('scrypt$1024$')).toBe(true);
      expect(after.startsWith('scrypt$2048$')).toBe(true);
      await login(other.url, s.username, { password: s.password });
    } finally {
      await other.stop();
    }
  });

  it('[AUTH-5] only the SHA-256 of a token is stored', async () => {
    const s = await register(srv.url, name('tok'));
    const rows = srv.server.db.prepare('SELECT token_hash FROM devices WHERE user_id = ?').all(s.userId) as {
      token_hash: Buffer;
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toHaveLength(32);
    expect(rows[0]?.token_hash.toString('base64url')).not.toBe(s.token);
  });
});

describe('sessions', () => {
  it('[HTTP-4] [AUTH-9] each login is a new device with its own token', async () => {
    const s = await register(srv.url, name('multi'), { deviceName: 'board' });
    const phone = await login(srv.url, s.username, { password: s.password, deviceName: 'phone' });
    expect(phone.userId).toBe(s.userId);
    expect(phone.deviceId).not.toBe(s.deviceId);
    expect(phone.token).not.toBe(s.token);
    const me = await api<{ deviceId: string }>(srv.url, 'GET', '/v1/me', { token: phone.token });
    expect(me.body.deviceId).toBe(phone.deviceId);
  });

  it('[HTTP-4] [AUTH-4] a wrong password and an unknown user get the same 401 and text', async () => {
    const s = await register(srv.url, name('enum'));
    const wrong = await api<ApiErrorBody>(srv.url, 'POST', '/v1/sessions', {
      body: { username: s.username, password: 'not-the-password' },
    });
    const unknown = await api<ApiErrorBody>(srv.url, 'POST', '/v1/sessions', {
      body: { username: name('nobody'), password: 'not-the-password' },
    });
    const malformed = await api<ApiErrorBody>(srv.url, 'POST', '/v1/sessions', {
      body: { username: 'no such user!', password: 'not-the-password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(malformed.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(malformed.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('unauthorized');
  });

  it('[HTTP-5] GET /v1/sessions lists the live devices and marks the caller', async () => {
    const s = await register(srv.url, name('list'), { deviceName: 'board' });
    const phone = await login(srv.url, s.username, { password: s.password, deviceName: 'phone' });
    const tablet = await login(srv.url, s.username, { password: s.password, deviceName: 'tablet' });
    await revokeDevice(srv.url, s.token, tablet.deviceId);
    const res = await api<{ devices: DeviceView[] }>(srv.url, 'GET', '/v1/sessions', { token: phone.token });
    expect(res.status).toBe(200);
    const byId = new Map(res.body.devices.map((d) => [d.deviceId, d]));
    expect([...byId.keys()].sort()).toEqual([s.deviceId, phone.deviceId].sort());
    expect(byId.get(phone.deviceId)?.current).toBe(true);
    expect(byId.get(s.deviceId)?.current).toBe(false);
    expect(byId.get(s.deviceId)?.name).toBe('board');
  });

  it('[HTTP-6] [AUTH-8] a revoked token stops working at once; other devices go on', async () => {
    const s = await register(srv.url, name('rev'));
    const phone = await login(srv.url, s.username, { password: s.password });
    await revokeDevice(srv.url, s.token, phone.deviceId);
    const after = await api<ApiErrorBody>(srv.url, 'GET', '/v1/me', { token: phone.token });
    expect(after.status).toBe(401);
    expect(srv.server.sessions.verifyToken(phone.token)).toBeNull();
    const still = await api(srv.url, 'GET', '/v1/me', { token: s.token });
    expect(still.status).toBe(200);
    const twice = await api(srv.url, 'DELETE', `/v1/sessions/${phone.deviceId}`, { token: s.token });
    expect(twice.status).toBe(404);
  });

  it('[HTTP-6] revoking the own device logs out', async () => {
    const s = await register(srv.url, name('self'));
    await revokeDevice(srv.url, s.token, s.deviceId);
    expect((await api(srv.url, 'GET', '/v1/me', { token: s.token })).status).toBe(401);
  });

  it("[HTTP-6] another user's device cannot be revoked and answers like an unknown one", async () => {
    const a = await register(srv.url, name('owner'));
    const b = await register(srv.url, name('intruder'));
    const res = await api<ApiErrorBody>(srv.url, 'DELETE', `/v1/sessions/${a.deviceId}`, { token: b.token });
    const unknown = await api<ApiErrorBody>(srv.url, 'DELETE', '/v1/sessions/noSuchDevice', { token: b.token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(unknown.body);
    expect((await api(srv.url, 'GET', '/v1/me', { token: a.token })).status).toBe(200);
  });

  it('[HTTP-6] [AUTH-8] revocation closes the device\'s open sockets with 4401', async () => {
    const s = await register(srv.url, name('sock'));
    const phone = await login(srv.url, s.username, { password: s.password });
    const ws = new WebSocket(`${srv.wsUrl}/v1/doc/${userDocName(s.userId)}?token=${phone.token}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await revokeDevice(srv.url, s.token, phone.deviceId);
    expect(await closed).toBe(4401);
    const again = new WebSocket(`${srv.wsUrl}/v1/doc/${userDocName(s.userId)}?token=${phone.token}`);
    const code = await new Promise<number>((resolve) => again.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });

  it('[HTTP-7] [AUTH-7] refresh issues a new token for the same device and kills the old one', async () => {
    const s = await register(srv.url, name('rot'));
    const res = await api<{ token: string; deviceId: string; userId: string }>(srv.url, 'POST', '/v1/sessions/refresh', {
      token: s.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.deviceId).toBe(s.deviceId);
    expect(res.body.userId).toBe(s.userId);
    expect(res.body.token).not.toBe(s.token);
    expect((await api(srv.url, 'GET', '/v1/me', { token: s.token })).status).toBe(401);
    expect((await api(srv.url, 'GET', '/v1/me', { token: res.body.token })).status).toBe(200);
    const reuse = await api(srv.url, 'POST', '/v1/sessions/refresh', { token: s.token });
    expect(reuse.status).toBe(401);
  });
});

describe('users', () => {
  it('[HTTP-8] a user is found by exact username, case-insensitively', async () => {
    const a = await register(srv.url, name('finder'));
    const b = await register(srv.url, name('findme'), { displayName: 'Find Me' });
    const res = await api<{ userId: string; username: string; displayName: string }>(
      srv.url,
      'GET',
      `/v1/users?username=${encodeURIComponent(b.username.toUpperCase())}`,
      { token: a.token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: b.userId, username: b.username, displayName: 'Find Me' });
  });

  it('[HTTP-8] no prefix match, no listing: unknown or partial names are 404', async () => {
    const a = await register(srv.url, name('prefix'));
    for (const q of [a.username.slice(0, -1), '%', '*', 'nobody-here']) {
      const res = await api(srv.url, 'GET', `/v1/users?username=${encodeURIComponent(q)}`, { token: a.token });
      expect(res.status, q).toBe(404);
    }
    expect((await api(srv.url, 'GET', '/v1/users', { token: a.token })).status).toBe(400);
  });
});

interface ConvView {
  conversationId: string;
  kind: string;
  title: string;
  createdBy: string;
  members: { userId: string; role: string; username: string }[];
}

describe('conversations', () => {
  it('[HTTP-9] a group is created with the caller as a member; the caller is its owner', async () => {
    const a = await register(srv.url, name('ga'));
    const b = await register(srv.url, name('gb'));
    const c = await register(srv.url, name('gc'));
    const res = await api<{ conversationId: string; created: boolean }>(srv.url, 'POST', '/v1/conversations', {
      token: a.token,
      body: { kind: 'group', members: [b.userId, c.userId, b.userId], title: 'Trip' },
    });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    const list = await api<{ conversations: ConvView[] }>(srv.url, 'GET', '/v1/conversations', { token: c.token });
    const conv = list.body.conversations.find((x) => x.conversationId === res.body.conversationId);
    expect(conv?.title).toBe('Trip');
    expect(conv?.kind).toBe('group');
    expect(conv?.createdBy).toBe(a.userId);
    expect(conv?.members.map((m) => [m.userId, m.role]).sort()).toEqual(
      [
        [a.userId, 'owner'],
        [b.userId, 'member'],
        [c.userId, 'member'],
      ].sort(),
    );
  });

  it('[HTTP-9] bad kinds, shapes and unknown members are refused', async () => {
    const a = await register(srv.url, name('bad'));
    const b = await register(srv.url, name('bad'));
    const cases: [unknown, number][] = [
      [{ kind: 'channel', members: [b.userId] }, 400],
      [{ kind: 'group', members: 'x' }, 400],
      [{ kind: 'group', members: [42] }, 400],
      [{ kind: 'group', members: [] }, 400],
      [{ kind: 'group', members: [a.userId] }, 400],
      [{ kind: 'group', members: ['not an id!'] }, 400],
      [{ kind: 'direct', members: [] }, 400],
      [{ kind: 'direct', members: [a.userId] }, 400],
      [{ kind: 'direct', members: [b.userId, 'someoneElse'] }, 400],
      [{ kind: 'direct', members: ['noSuchUser'] }, 404],
      [{ kind: 'group', members: [b.userId, 'noSuchUser'] }, 404],
      [{ kind: 'group', members: Array.from({ length: 300 }, (_, i) => `u${i}`) }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await api(srv.url, 'POST', '/v1/conversations', { token: a.token, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
    }
    const list = await api<{ conversations: unknown[] }>(srv.url, 'GET', '/v1/conversations', { token: a.token });
    expect(list.body.conversations).toEqual([]);
  });

  it('[HTTP-10] a direct chat is created once per pair, whoever starts it', async () => {
    const a = await register(srv.url, name('da'));
    const b = await register(srv.url, name('db'));
    const first = await api<{ conversationId: string; created: boolean }>(srv.url, 'POST', '/v1/conversations', {
      token: a.token,
      body: { kind: 'direct', members: [b.userId] },
    });
    expect(first.status).toBe(201);
    const again = await api<{ conversationId: string; created: boolean }>(srv.url, 'POST', '/v1/conversations', {
      token: a.token,
      body: { kind: 'direct', members: [b.userId, a.userId] },
    });
    const reverse = await api<{ conversationId: string; created: boolean }>(srv.url, 'POST', '/v1/conversations', {
      token: b.token,
      body: { kind: 'direct', members: [a.userId] },
    });
    expect(again.status).toBe(200);
    expect(reverse.status).toBe(200);
    expect(again.body).toEqual({ conversationId: first.body.conversationId, created: false });
    expect(reverse.body.conversationId).toBe(first.body.conversationId);
    const concurrent = await Promise.all(
      [0, 1, 2, 3].map(async () => createConversation(srv.url, b.token, 'direct', [a.userId])),
    );
    expect(new Set(concurrent)).toEqual(new Set([first.body.conversationId]));
    const list = await api<{ conversations: ConvView[] }>(srv.url, 'GET', '/v1/conversations', { token: a.token });
    expect(list.body.conversations.filter((c) => c.kind === 'direct')).toHaveLength(1);
  });

  it('[HTTP-11] an untitled group is named after its members; titles are checked', async () => {
    const a = await register(srv.url, name('ta'), { displayName: 'Ann' });
    const b = await register(srv.url, name('tb'), { displayName: 'Bob' });
    const c = await register(srv.url, name('tc'), { displayName: 'Cat' });
    const id = await createConversation(srv.url, a.token, 'group', [b.userId, c.userId], '   ');
    const list = await api<{ conversations: ConvView[] }>(srv.url, 'GET', '/v1/conversations', { token: a.token });
    expect(list.body.conversations.find((x) => x.conversationId === id)?.title).toBe('Bob, Cat');
    for (const title of ['x'.repeat(101), 'bad\u0007bell']) {
      const res = await api(srv.url, 'POST', '/v1/conversations', {
        token: a.token,
        body: { kind: 'group', members: [b.userId], title },
      });
      expect(res.status).toBe(400);
    }
  });

  it('[HTTP-12] a new conversation is mirrored into its doc and every member\'s user doc before the answer', async () => {
    const a = await register(srv.url, name('ma'));
    const b = await register(srv.url, name('mb'));
    const id = await createConversation(srv.url, a.token, 'group', [b.userId], 'Mirror');
    const meta = await readDoc(convDocName(id as never), (d) => parseMeta(d.getMap<unknown>(CONV_META)));
    expect(meta).toMatchObject({ kind: 'group', title: 'Mirror', createdBy: a.userId });
    expect([...(meta?.members ?? [])].sort()).toEqual([a.userId, b.userId].sort());
    for (const member of [a, b]) {
      const summary = await readDoc(userDocName(member.userId), (d) =>
        parseConversationSummary(d.getMap<unknown>(USER_CONVS).get(id)),
      );
      expect(summary).toMatchObject({ kind: 'group', title: 'Mirror' });
      expect([...(summary?.members ?? [])].sort()).toEqual([a.userId, b.userId].sort());
    }
  });

  it('[HTTP-12] repeating a direct chat request re-mirrors idempotently (no new doc updates)', async () => {
    const a = await register(srv.url, name('ia'));
    const b = await register(srv.url, name('ib'));
    const id = await createConversation(srv.url, a.token, 'direct', [b.userId]);
    const count = (): number =>
      (srv.server.db.prepare('SELECT COUNT(*) AS n FROM doc_updates WHERE doc IN (?, ?, ?)').get(
        `conv:${id}`,
        `user:${a.userId}`,
        `user:${b.userId}`,
      ) as { n: number }).n;
    const before = count();
    await createConversation(srv.url, b.token, 'direct', [a.userId]);
    expect(count()).toBe(before);
  });

  it('[HTTP-13] [AUTHZ-2] each user lists exactly their own conversations; access follows membership', async () => {
    const a = await register(srv.url, name('la'));
    const b = await register(srv.url, name('lb'));
    const c = await register(srv.url, name('lc'));
    const ab = await createConversation(srv.url, a.token, 'direct', [b.userId]);
    const bc = await createConversation(srv.url, b.token, 'group', [c.userId], 'BC');
    const ids = async (s: Session): Promise<string[]> =>
      (await api<{ conversations: ConvView[] }>(srv.url, 'GET', '/v1/conversations', { token: s.token })).body.conversations
        .map((x) => x.conversationId)
        .sort();
    expect(await ids(a)).toEqual([ab]);
    expect(await ids(b)).toEqual([ab, bc].sort());
    expect(await ids(c)).toEqual([bc]);
    const access = srv.server.access;
    expect(access.canAccess(a.userId, convDocName(ab as never))).toBe(true);
    expect(access.canAccess(c.userId, convDocName(ab as never))).toBe(false);
    expect(access.docsVisibleTo(c.userId)).toEqual([userDocName(c.userId), convDocName(bc as never)]);
    expect([...access.usersWhoMaySee(convDocName(bc as never))].sort()).toEqual([b.userId, c.userId].sort());
  });

  it('[AUTHZ-1] [AUTHZ-3] a user doc is for its own user only; other names for no one', async () => {
    const a = await register(srv.url, name('ua'));
    const b = await register(srv.url, name('ub'));
    const access = srv.server.access;
    expect(access.canAccess(a.userId, userDocName(a.userId))).toBe(true);
    expect(access.canAccess(b.userId, userDocName(a.userId))).toBe(false);
    expect(access.canAccess(a.userId, userDocName('ghost' as UserId))).toBe(false);
    for (const bad of ['meta', 'user:', 'conv:../x', 'room:1', `user:${a.userId}:x`]) {
      expect(access.canAccess(a.userId, bad as DocName), bad).toBe(false);
      expect(access.usersWhoMaySee(bad as DocName)).toEqual([]);
    }
    expect(access.usersWhoMaySee(userDocName(a.userId))).toEqual([a.userId]);
    expect(access.docsVisibleTo('ghost' as UserId)).toEqual([]);
  });
});

describe('durability', () => {
  it('[AUTH-13] accounts, sessions and conversations survive a restart on the same data dir', async () => {
    const own = await startServer();
    try {
      const a = await register(own.url, 'durable-a');
      const b = await register(own.url, 'durable-b');
      const id = await createConversation(own.url, a.token, 'direct', [b.userId]);
      await own.restart();
      expect((await api(own.url, 'GET', '/v1/me', { token: a.token })).status).toBe(200);
      const again = await login(own.url, 'durable-b');
      expect(again.userId).toBe(b.userId);
      expect(await createConversation(own.url, again.token, 'direct', [a.userId])).toBe(id);
      const taken = await api(own.url, 'POST', '/v1/accounts', { body: { username: 'DURABLE-A', password: 'whatever-123' } });
      expect(taken.status).toBe(409);
    } finally {
      await own.stop();
    }
  });
});
