import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userDocName } from '@concord/protocol';
import { api, login, register, startServer, type ApiErrorBody, type TestServer } from './helpers/server.js';
import { closeCode, openSocket } from './helpers/wait.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

let counter = 0;
function name(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

const NEW_PASSWORD = 'a-brand-new-passphrase';

describe('change password', () => {
  it('[AUTH-14] the new password logs in, the old one no longer does, and other sessions stay by default', async () => {
    const s = await register(srv.url, name('chpw'));
    const other = await login(srv.url, s.username, { password: s.password });
    const res = await api<{ revokedDevices: number }>(srv.url, 'POST', '/v1/me/password', {
      token: s.token,
      body: { currentPassword: s.password, newPassword: NEW_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body.revokedDevices).toBe(0);
    expect((await api(srv.url, 'POST', '/v1/sessions', { body: { username: s.username, password: s.password } })).status).toBe(401);
    expect((await api(srv.url, 'POST', '/v1/sessions', { body: { username: s.username, password: NEW_PASSWORD } })).status).toBe(201);
    expect((await api(srv.url, 'GET', '/v1/me', { token: other.token })).status).toBe(200);
  });

  it('[AUTH-14] a wrong current password is 403 and changes nothing', async () => {
    const s = await register(srv.url, name('chpw'));
    const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/me/password', {
      token: s.token,
      body: { currentPassword: 'not-the-password', newPassword: NEW_PASSWORD },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect((await api(srv.url, 'GET', '/v1/me', { token: s.token })).status).toBe(200);
    expect((await api(srv.url, 'POST', '/v1/sessions', { body: { username: s.username, password: s.password } })).status).toBe(201);
  });

  it('[AUTH-14] [AUTH-2] the new password must follow the password rules', async () => {
    const s = await register(srv.url, name('chpw'));
    for (const weak of ['short', 'password123', s.username, 'a\u0000bcdefghij']) {
      const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/me/password', {
        token: s.token,
        body: { currentPassword: s.password, newPassword: weak },
      });
      expect(res.status, weak).toBe(400);
      expect(res.body.error.code).toBe('weak_password');
    }
    const malformed = await api<ApiErrorBody>(srv.url, 'POST', '/v1/me/password', {
      token: s.token,
      body: { currentPassword: s.password, newPassword: NEW_PASSWORD, closeOtherSessions: 'yes' },
    });
    expect(malformed.status).toBe(400);
    expect((await api(srv.url, 'POST', '/v1/me/password', { body: { currentPassword: s.password, newPassword: NEW_PASSWORD } })).status).toBe(401);
  });

  it('[AUTH-14] [AUTH-8] closeOtherSessions revokes every other device and closes its sockets with 4401', async () => {
    const s = await register(srv.url, name('chpw'));
    const phone = await login(srv.url, s.username, { password: s.password });
    const tablet = await login(srv.url, s.username, { password: s.password });
    const phoneWs = await openSocket(`${srv.wsUrl}/v1/doc/${userDocName(s.userId)}?token=${phone.token}`);
    const ownWs = await openSocket(`${srv.wsUrl}/v1/doc/${userDocName(s.userId)}?token=${s.token}`);
    const phoneClosed = closeCode(phoneWs);
    const res = await api<{ revokedDevices: number }>(srv.url, 'POST', '/v1/me/password', {
      token: s.token,
      body: { currentPassword: s.password, newPassword: NEW_PASSWORD, closeOtherSessions: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.revokedDevices).toBe(2);
    expect(await phoneClosed).toBe(4401);
    expect((await api(srv.url, 'GET', '/v1/me', { token: tablet.token })).status).toBe(401);
    expect((await api(srv.url, 'GET', '/v1/me', { token: s.token })).status).toBe(200);
    expect(ownWs.readyState).toBe(ownWs.OPEN);
    ownWs.close();
  });

  it('[AUTH-14] [AUTH-10] wrong current passwords count toward the login limiter', async () => {
    const own = await startServer({ loginLimits: { freeFailures: 2, baseDelayMs: 60_000 } });
    try {
      const s = await register(own.url, 'limited');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await api(own.url, 'POST', '/v1/me/password', {
          token: s.token,
          body: { currentPassword: `wrong-${i}-password`, newPassword: NEW_PASSWORD },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([403, 403, 429, 429]);
      expect((await api(own.url, 'POST', '/v1/sessions', { body: { username: 'limited', password: s.password } })).status).toBe(429);
    } finally {
      await own.stop();
    }
  });
});
