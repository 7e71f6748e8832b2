import * as net from 'node:net';
import { Writable } from 'node:stream';
import { createLogger } from '../src/log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, register, startServer, type ApiErrorBody, type Session, type TestServer } from './helpers/server.js';

let srv: TestServer;
let alice: Session;

beforeAll(async () => {
  srv = await startServer();
  alice = await register(srv.url, 'alice');
});
afterAll(async () => {
  await srv.stop();
});

/** Sends raw bytes and returns everything the server answers before closing (or after `ms` of silence). */
function rawRequest(port: number, data: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, ms);
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (out !== '') resolve(out);
      else reject(err);
    });
    socket.write(data);
  });
}

describe('HTTP basics', () => {
  it('[HTTP-1] GET /healthz answers 200', async () => {
    const res = await api(srv.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('[HTTP-2] errors are {"error": {code, message}} with a code from ErrorCode', async () => {
    const res = await api<ApiErrorBody>(srv.url, 'GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe('not_found');
    expect(typeof res.body.error.message).toBe('string');
  });

  it('[HTTP-14] malformed JSON is 400 bad_request', async () => {
    const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', { body: '{"username": "bob", ' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.message).toMatch(/JSON/);
  });

  it('[HTTP-14] a JSON value that is not an object, or an empty body, is 400', async () => {
    for (const body of ['[1,2]', '"x"', 'null', '42', '']) {
      const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/sessions', {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status, body).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
  });

  it('[HTTP-14] fields of the wrong type are 400, and __proto__ keys are plain data', async () => {
    const wrong = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', { body: { username: 5, password: 'x' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toMatch(/username/);
    const proto = await api<ApiErrorBody>(srv.url, 'POST', '/v1/sessions', {
      body: '{"__proto__": {"username": "alice", "password": "x"}}',
    });
    expect(proto.status).toBe(400);
    expect(({} as Record<string, unknown>)['username']).toBeUndefined();
  });

  it('[HTTP-14] a body over 64 KiB is 413 too_big', async () => {
    const big = JSON.stringify({ username: 'bob', password: 'x'.repeat(70 * 1024) });
    const res = await api<ApiErrorBody>(srv.url, 'POST', '/v1/accounts', { body: big });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_big');
  });

  it('[HTTP-14] a chunked body that grows past the limit is cut off with 413', async () => {
    const head =
      'POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const chunk = 'a'.repeat(16 * 1024);
    const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const answer = await rawRequest(srv.port, head + chunks + '0\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"too_big"');
  });

  it('[HTTP-15] an unknown route is 404 and a wrong method is 405 with Allow', async () => {
    const unknown = await api<ApiErrorBody>(srv.url, 'GET', '/v2/accounts');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const wrong = await api<ApiErrorBody>(srv.url, 'PUT', '/v1/accounts', { body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    expect(wrong.body.error.code).toBe('bad_request');
    const del = await api(srv.url, 'GET', '/v1/sessions/someDevice');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toContain('DELETE');
  });

  it('[HTTP-16] responses allow any origin and OPTIONS answers the preflight', async () => {
    const res = await api(srv.url, 'GET', '/healthz');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const err = await api(srv.url, 'GET', '/v1/me');
    expect(err.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(`${srv.url}/v1/conversations`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://example.test',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const preUnknown = await fetch(`${srv.url}/nowhere`, { method: 'OPTIONS' });
    expect(preUnknown.status).toBe(404);
  });

  it('[HTTP-17] authenticated endpoints need a valid bearer token', async () => {
    for (const path of ['/v1/me', '/v1/sessions', '/v1/conversations', '/v1/users?username=alice']) {
      const none = await api<ApiErrorBody>(srv.url, 'GET', path);
      expect(none.status, path).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const bad = await api(srv.url, 'GET', path, { token: 'A'.repeat(43) });
      expect(bad.status, path).toBe(401);
      const garbage = await api(srv.url, 'GET', path, { headers: { Authorization: 'Basic Zm9vOmJhcg==' } });
      expect(garbage.status, path).toBe(401);
    }
    const ok = await api(srv.url, 'GET', '/v1/me', { token: alice.token });
    expect(ok.status).toBe(200);
  });

  it('[HTTP-18] garbage requests never take the server down', async () => {
    const answers = await Promise.all([
      rawRequest(srv.port, 'GARBAGE\r\n\r\n', 1000),
      rawRequest(srv.port, Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), 1000),
      rawRequest(srv.port, 'GET /%%%zz%ff HTTP/1.1\r\nHost: x\r\n\r\n', 1000),
      rawRequest(srv.port, 'DELETE /v1/sessions/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 1000),
      rawRequest(srv.port, 'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"a"', 300),
    ]);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 400/);
    expect(answers[3]).toMatch(/^HTTP\/1\.1 404/);
    const res = await api(srv.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
  });

  it('[HTTP-18] an unexpected failure is 500 internal without details, and the server goes on', async () => {
    const own = await startServer();
    try {
      const s = await register(own.url, 'boom');
      own.server.conversations.listFor = () => {
        throw new Error('secret internals: /var/lib/x');
      };
      const res = await api<ApiErrorBody>(own.url, 'GET', '/v1/conversations', { token: s.token });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
      expect((await api(own.url, 'GET', '/v1/me', { token: s.token })).status).toBe(200);
    } finally {
      await own.stop();
    }
  });

  it('[HTTP-18] tokens and passwords never reach the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const own = await startServer({ logger: createLogger('trace', sink) });
    try {
      const s = await register(own.url, 'logged', { password: 'very-secret-password' });
      await api(own.url, 'GET', '/v1/me', { token: s.token });
      await api(own.url, 'POST', '/v1/sessions', { body: { username: 'logged', password: 'wrong-secret-password' } });
      const refreshed = await api<{ token: string }>(own.url, 'POST', '/v1/sessions/refresh', { token: s.token });
      const log = lines.join('');
      expect(log).toContain('"path":"/v1/me"');
      expect(log).toContain(s.userId);
      for (const secret of [s.token, refreshed.body.token, 'very-secret-password', 'wrong-secret-password']) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await own.stop();
    }
  });

  it('[HTTP-19] a WebSocket upgrade on an unclaimed path is refused with 404', async () => {
    const answer = await rawRequest(
      srv.port,
      'GET /v1/elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
  });
});
