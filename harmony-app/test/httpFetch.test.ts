/*
 * HAPP-ATTACH-1/3: the fetch adapter on the `@ohos.net.http` stand-in (API 12) against a local Node server: bytes
 * go up as the raw body with the caller's Content-Type, downloads come back byte-exact through requestInStream
 * (beyond request()'s 5 MB cap before API 23, which the stand-in enforces), and JSON text calls read as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodeHttp from 'node:http';
import type http from '@ohos.net.http';
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
      if (req.url === '/bytes' || /\/blobs\/[0-9a-f]{64}$/.test(req.url ?? '')) {
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

  it('HAPP-ATTACH-3 a 20 MB download arrives byte-exact through requestInStream on API 12, where request() fails', async () => {
    const http = new StandinHttpModule(12);
    const fetch = ohosFetch(http, (b: Uint8Array) => codec.decode(b));
    served = Buffer.from(binary(20 * 1000 * 1000 + 3));
    const blobUrl = `${base}/v1/conversations/c1/blobs/${'ab'.repeat(32)}`;
    const res = await fetch(blobUrl, { method: 'GET', headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(200);
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.byteLength).toBe(served.length);
    expect(Buffer.compare(Buffer.from(got), served)).toBe(0);
    // A second read is a fresh copy, as with W3C fetch's clone-free reads being independent here.
    expect((await res.arrayBuffer()).byteLength).toBe(served.length);
    const req = http.created[0]!;
    expect(req.via).toBe('requestInStream');
    expect(req.listeners).toBe(0);
    expect(req.destroyed).toBe(true);
    expect(req.options?.readTimeout).toBe(120_000);
    // The same download through request(), as the adapter did before: refused on API 12, fine from API 23.
    const direct: http.HttpRequestOptions = { method: 'GET' as http.RequestMethod, expectDataType: 2 as http.HttpDataType, maxLimit: MAX_RESPONSE_BYTES };
    await expect(new StandinHttpModule(12).createHttp().request(blobUrl, direct)).rejects.toMatchObject({ code: 2300063 });
    const api23 = await new StandinHttpModule(23).createHttp().request(blobUrl, direct);
    expect((api23.result as ArrayBuffer).byteLength).toBe(served.length);
  });

  it('HAPP-ATTACH-3 a streamed download completes whichever of the response code and dataEnd comes first', async () => {
    served = Buffer.from(binary(3 * 1024 * 1024 + 5));
    for (const endAfterCode of [false, true]) {
      const http = new StandinHttpModule(12, endAfterCode);
      const res = await ohosFetch(http, (b: Uint8Array) => codec.decode(b))(`${base}/bytes`);
      expect(res.status).toBe(200);
      expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), served)).toBe(0);
      expect(http.created[0]!.listeners).toBe(0);
    }
  });

  it('HAPP-ATTACH-3 a streamed body over MAX_RESPONSE_BYTES is cut off and rejected; bodies still go by request() with maxLimit raised', async () => {
    expect(MAX_RESPONSE_BYTES).toBeGreaterThanOrEqual(MAX_ATTACHMENT_BYTES);
    expect(MAX_RESPONSE_BYTES).toBeLessThanOrEqual(100 * 1024 * 1024);
    const http = new StandinHttpModule(12);
    const fetch = ohosFetch(http, (b: Uint8Array) => codec.decode(b));
    served = Buffer.alloc(MAX_RESPONSE_BYTES + 1, 7);
    await expect(fetch(`${base}/bytes`)).rejects.toThrow(`larger than ${MAX_RESPONSE_BYTES} bytes`);
    expect(http.created[0]!.listeners).toBe(0);
    expect(http.created[0]!.destroyed).toBe(true);
    expect(http.created[0]!.options?.readTimeout).toBe(15_000);
    served = Buffer.from(binary(1000));
    await fetch(`${base}/json`, { method: 'PUT', body: new Uint8Array(10) });
    expect(http.created[1]!.via).toBe('request');
    expect(http.created[1]!.options?.maxLimit).toBe(MAX_RESPONSE_BYTES);
    expect(http.created[1]!.options?.expectDataType).toBe(2); // HttpDataType.ARRAY_BUFFER
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
