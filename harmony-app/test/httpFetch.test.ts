/*
 * HAPP-ATTACH-1: the fetch adapter on the `@ohos.net.http` stand-in against a local Node server: bytes go up as
 * the raw body with the caller's Content-Type, come back byte-exact through arrayBuffer() (beyond the module's
 * 5 MiB default maxLimit), and JSON text calls read as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_ATTACHMENT_BYTES } from '@concord/client-core';
import { MAX_RESPONSE_BYTES, ohosFetch } from '../entry/src/main/ets/platform/httpFetch';
import { StandinHttpModule } from './standins/http';
import { Utf8Codec } from '../entry/src/main/ets/platform/textCodecs';
import { standinUtil } from './standins/util';
/** `@ohos.util`'s codecs (stand-in), as bootstrap.ts gives them to the adapters. */
const codec = new Utf8Codec(standinUtil);

interface Seen {
  method: string;
  contentType: string | undefined;
  body: Buffer;
}

const seen: Seen[] = [];
let served = Buffer.alloc(0);
let server: nodeHttp.Server;
let base = '';

beforeAll(async () => {
  server = nodeHttp.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', contentType: req.headers['content-type'], body });
      if (req.url === '/bytes') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': served.length });
        res.end(served);
      } else if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: body.toString('utf8'), hi: '你好 👋' }));
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"not_found","message":"nö"}}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

/** Bytes that are not UTF-8 (0xff, 0xfe, lone continuation bytes, NULs): a text round trip would mangle them. */
function binary(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + 255) & 0xff;
  return out;
}

describe('HAPP-ATTACH-1 ohosFetch bytes', () => {
  it('HAPP-ATTACH-1 a Uint8Array body goes as the raw bytes of its own range, with the caller\'s Content-Type', async () => {
    const http = new StandinHttpModule();
    const fetch = ohosFetch(http, (b: Uint8Array) => codec.decode(b));
    const whole = binary(4096);
    const view = whole.subarray(100, 3100);
    seen.length = 0;
    const res = await fetch(`${base}/json`, { method: 'PUT', headers: { authorization: 'Bearer t', 'content-type': 'image/png' }, body: view });
    expect(res.status).toBe(200);
    expect(seen[0]?.method).toBe('PUT');
    expect(seen[0]?.contentType).toBe('image/png');
    expect(Buffer.compare(seen[0]!.body, Buffer.from(view))).toBe(0);
    const opts = http.created[0]!.options!;
    expect(opts.extraData).toBeInstanceOf(ArrayBuffer);
    expect((opts.extraData as ArrayBuffer).byteLength).toBe(3000);
    expect(http.created[0]!.destroyed).toBe(true);
  });

  it('HAPP-ATTACH-1 an ArrayBuffer body without a Content-Type goes as application/octet-stream', async () => {
    const fetch = ohosFetch(new StandinHttpModule(), (b: Uint8Array) => codec.decode(b));
    seen.length = 0;
    await fetch(`${base}/json`, { method: 'PUT', body: binary(10).buffer as ArrayBuffer });
    expect(seen[0]?.contentType).toBe('application/octet-stream');
    expect([...seen[0]!.body]).toEqual([...binary(10)]);
  });

  it('HAPP-ATTACH-1 arrayBuffer() returns the response bytes exactly, beyond the 5 MiB default maxLimit', async () => {
    const http = new StandinHttpModule();
    const fetch = ohosFetch(http, (b: Uint8Array) => codec.decode(b));
    served = Buffer.from(binary(6 * 1024 * 1024 + 3));
    const res = await fetch(`${base}/bytes`, { method: 'GET', headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(200);
    expect(typeof res.arrayBuffer).toBe('function');
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.byteLength).toBe(served.length);
    expect(Buffer.compare(Buffer.from(got), served)).toBe(0);
    // A second read is a fresh copy, as with W3C fetch's clone-free reads being independent here.
    expect((await res.arrayBuffer()).byteLength).toBe(served.length);
    const opts = http.created[0]!.options!;
    expect(opts.expectDataType).toBe(2); // HttpDataType.ARRAY_BUFFER
    expect(opts.maxLimit).toBe(MAX_RESPONSE_BYTES);
    expect(MAX_RESPONSE_BYTES).toBeGreaterThanOrEqual(MAX_ATTACHMENT_BYTES);
    expect(MAX_RESPONSE_BYTES).toBeLessThanOrEqual(100 * 1024 * 1024);
  });

  it('HAPP-ATTACH-1 JSON calls read as before: text() decodes UTF-8, string bodies go as text, errors keep their body', async () => {
    const fetch = ohosFetch(new StandinHttpModule(), (b: Uint8Array) => codec.decode(b));
    seen.length = 0;
    const res = await fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Zoë 张"}' });
    expect(res.ok).toBe(true);
    expect(JSON.parse(await res.text())).toEqual({ echo: '{"name":"Zoë 张"}', hi: '你好 👋' });
    expect(seen[0]?.contentType).toBe('application/json');
    const missing = await fetch(`${base}/nothing`);
    expect(missing.ok).toBe(false);
    expect(missing.status).toBe(404);
    expect(JSON.parse(await missing.text())).toEqual({ error: { code: 'not_found', message: 'nö' } });
    const empty = await fetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });
});
