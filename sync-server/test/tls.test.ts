import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameKind, PROTOCOL_VERSION } from '@concord/protocol';
import { ConfigError, parseCliConfig } from '../src/config.js';
import { bundleCli, runCli } from './helpers/cli.js';
import { startServer, type TestServer } from './helpers/server.js';
import { within } from './helpers/wait.js';
import { MuxClient } from './syncHarness.js';

let dir: string;
let cert: Buffer;
let key: Buffer;
let srv: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'concord-tls-'));
  // A throwaway self-signed certificate for 127.0.0.1, made here so no key material lives in the repo.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore', timeout: 20_000 },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
  srv = await startServer({ tls: { cert, key } });
});
afterAll(async () => {
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

function httpsJson(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return within(
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        { host: '127.0.0.1', port, path, method, ca: cert, headers: payload === undefined ? {} : { 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    }),
    5000,
    `${method} ${path} over HTTPS`,
  );
}

describe('TLS', () => {
  it('[TLS-1] the server answers HTTPS requests with its certificate, which the client verifies', async () => {
    const health = await httpsJson(srv.port, 'GET', '/healthz');
    expect(health).toEqual({ status: 200, body: { ok: true } });
    const reg = await httpsJson(srv.port, 'POST', '/v1/accounts', { username: 'tlsuser', password: 'a-tls-passphrase' });
    expect(reg.status).toBe(201);
    // Without the certificate as a trusted CA the handshake fails: it really is TLS, with that certificate.
    const untrusted = new Promise<string>((resolve) => {
      https.get({ host: '127.0.0.1', port: srv.port, path: '/healthz' }, () => resolve('answered')).on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(await within(untrusted, 5000, 'the untrusted handshake')).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('[TLS-1] a WSS client says HELLO on /v1/sync and gets WELCOME', async () => {
    const reg = await httpsJson(srv.port, 'POST', '/v1/accounts', { username: 'wssuser', password: 'a-wss-passphrase' });
    const token = String(reg.body['token']);
    const client = MuxClient.openSync(`wss://127.0.0.1:${srv.port}`, { options: { ca: cert } });
    await within(client.opened, 5000, 'the WSS socket to open');
    client.sendFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, token, cursor: 0 });
    const welcome = await client.waitFrame(FrameKind.Welcome);
    expect(welcome.kind).toBe(FrameKind.Welcome);
    client.close();
  });

  it('[TLS-1] [CFG-1] --tls-cert and --tls-key (or their env vars) go together', () => {
    expect(parseCliConfig(['--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {})).toMatchObject({ tlsCertFile: 'c.pem', tlsKeyFile: 'k.pem' });
    expect(parseCliConfig([], { CONCORD_TLS_CERT: 'c.pem', CONCORD_TLS_KEY: 'k.pem' })).toMatchObject({ tlsCertFile: 'c.pem', tlsKeyFile: 'k.pem' });
    expect(() => parseCliConfig(['--tls-cert', 'c.pem'], {})).toThrow(ConfigError);
    expect(() => parseCliConfig([], { CONCORD_TLS_KEY: 'k.pem' })).toThrow(ConfigError);
  });

  it('[TLS-1] the CLI serves HTTPS from the two files and logs an https URL', async () => {
    const cli = await bundleCli();
    const data = mkdtempSync(join(tmpdir(), 'concord-tls-cli-'));
    const proc = runCli(cli, ['--port', '0', '--host', '127.0.0.1', '--data', data, '--static', 'none', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    try {
      const port = await within(proc.listening, 15_000, 'the CLI to listen');
      expect(proc.stdout()).toContain(`"url":"https://127.0.0.1:${port}"`);
      expect((await httpsJson(port, 'GET', '/healthz')).status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      await within(proc.exited, 15_000, 'the CLI to exit');
      rmSync(data, { recursive: true, force: true });
      rmSync(cli, { force: true });
    }
  });
});
