import * as http from 'node:http';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';
import { within } from './helpers/wait.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});

/**
 * Streams `total` bytes as a chunked body, as a client that does not know its size would, writing on as long as the
 * server reads. Resolves with the answer's status and body, or with the error the client saw.
 */
function streamChunked(path: string, total: number): Promise<{ status: number; body: string } | { error: string }> {
  return within(
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: srv.port, path, method: 'POST', agent: false, headers: { 'Content-Type': 'application/json' } });
      let settled = false;
      const settle = (v: { status: number; body: string } | { error: string }): void => {
        if (settled) return;
        settled = true;
        resolve(v);
      };
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => settle({ status: res.statusCode ?? 0, body: text }));
        res.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => {
        while (sent < total && !settled) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!settled) req.end();
      };
      req.write('{"username":"');
      pump();
    }),
    20_000,
    'the answer to a big chunked body',
  );
}

/**
 * Like a client that sends its whole request before it reads (curl, most simple HTTP stacks): writes the head and a
 * chunked body of `total` bytes, then reads whatever the server answered. An 'error' while writing or reading
 * (a reset) is reported as such.
 */
function sendAllThenRead(path: string, total: number): Promise<string> {
  return within(
    new Promise<string>((resolve) => {
      const socket = net.connect(srv.port, '127.0.0.1');
      socket.pause();
      let answer = '';
      let failed: string | null = null;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        failed ??= err.code ?? err.message;
      });
      socket.on('close', () => resolve(failed === null || answer !== '' ? answer : `error ${failed}`));
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const piece = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!socket.write(piece)) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.write('0\r\n\r\n', () => {
          socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
          socket.resume();
        });
      };
      pump();
    }),
    20_000,
    'the answer after sending a whole big chunked body',
  );
}

describe('request body limit', () => {
  it('[HTTP-14] a client that sends a whole chunked body of many MiB before reading still reads the 413', async () => {
    const answer = await sendAllThenRead('/v1/accounts', 8 * 1024 * 1024);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"too_big"');
  });

  it('[HTTP-14] a chunked JSON body of many MiB gets 413, not a reset', async () => {
    for (const total of [4 * 1024 * 1024, 16 * 1024 * 1024]) {
      const res = await streamChunked('/v1/accounts', total);
      expect(res, `${total} bytes`).toMatchObject({ status: 413 });
      if ('body' in res) expect(res.body).toContain('"too_big"');
    }
    // The server is fine afterwards.
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
});
