/** The static-file handler that serves the built web client (SPEC.md §9 WEB-SERVE-*). */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip, safePathname } from '../src/http/static.js';
import { gunzipSync } from 'node:zlib';
import { startServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let base: string;
let root: string;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'concord-static-'));
  root = join(base, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'sw.js'), 'self.x = 1;');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc123.css'), 'body{}');
  writeFileSync(join(root, 'assets', 'big-abc123.js'), `console.log(${JSON.stringify('concord '.repeat(2000))});`);
  writeFileSync(join(root, 'assets', 'big-abc123.js.map'), '{"version":3,"sources":["secret.ts"]}');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(base, 'secret.txt'), 'outside the root');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));
  srv = await startServer({ staticDir: root });
});

afterAll(async () => {
  await srv.stop();
  rmSync(base, { recursive: true, force: true });
});

/** A request with the path sent exactly as given (fetch would normalise it). */
function raw(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static web client', () => {
  it('[WEB-SERVE-1] serves index.html at / and files with their content types', async () => {
    const index = await raw('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<title>app</title>');
    expect((await raw('/assets/index-abc123.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw('/assets/index-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw('/sw.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('[WEB-SERVE-2] hashed assets are immutable; index.html and sw.js are revalidated; ETag gives 304', async () => {
    const asset = await raw('/assets/index-abc123.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await raw('/')).headers['cache-control']).toBe('no-cache');
    expect((await raw('/sw.js')).headers['cache-control']).toBe('no-cache');
    const etag = asset.headers.etag;
    expect(typeof etag).toBe('string');
    const again = await raw('/assets/index-abc123.js', 'GET', { 'if-none-match': etag as string });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const head = await raw('/assets/index-abc123.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(head.body).toBe('');
  });

  it('[WEB-SERVE-3] client-side routes fall back to index.html; missing files with an extension are 404', async () => {
    const route = await raw('/c/some-conversation');
    expect(route.status).toBe(200);
    expect(route.body).toContain('<title>app</title>');
    const missing = await raw('/assets/nope.js');
    expect(missing.status).toBe(404);
  });

  it('[WEB-SERVE-4] the API keeps its own answers', async () => {
    const health = await raw('/healthz');
    expect(health.status).toBe(200);
    expect(health.headers['content-type']).toContain('application/json');
    const unknown = await raw('/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: expect.any(String) } });
    const post = await fetch(`${srv.url}/v1/accounts`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(post.status).toBe(400);
  });

  it('[WEB-SERVE-5] nothing outside the root is served: .., encoded separators, NUL, dot files, symlinks out', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets%2f..%2f..%2fsecret.txt', '/%00', '/.env', '/link.txt', '/..\\secret.txt']) {
      const res = await raw(path);
      expect(res.body, path).not.toContain('outside the root');
      expect(res.body, path).not.toContain('SECRET');
    }
    expect(safePathname('/a/%2e%2e/b')).toBe('/b');
    expect(safePathname('/..%2f..%2fetc/passwd')).toBeNull();
    expect(safePathname('/%5c..%5csecret')).toBeNull();
    expect(safePathname('/%E0%A4%A')).toBeNull();
    expect(safePathname('/.git/config')).toBeNull();
    expect(safePathname('/assets/x.js')).toBe('/assets/x.js');
  });

  it('[WEB-SERVE-6] only GET and HEAD are served', async () => {
    const res = await raw('/', 'DELETE');
    expect(res.body).not.toContain('<title>app</title>');
  });

  it('[WEB-SERVE-7] every response is nosniff with a Content-Security-Policy: the app may run only its own code, API answers nothing', async () => {
    for (const path of ['/', '/assets/index-abc123.js', '/sw.js', '/some/route']) {
      const res = await raw(path);
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      const csp = String(res.headers['content-security-policy']);
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).not.toContain('unsafe-eval');
    }
    for (const [path, method] of [['/healthz', 'GET'], ['/v1/nothing-here', 'GET'], ['/v1/accounts', 'OPTIONS']] as const) {
      const res = await raw(path, method, method === 'OPTIONS' ? { origin: 'http://elsewhere', 'access-control-request-method': 'POST' } : {});
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(String(res.headers['content-security-policy']), path).toMatch(/^default-src 'none'; frame-ancestors 'none'; sandbox$/);
    }
  });

  it('[WEB-SERVE-8] text goes gzipped to clients that accept it, and source maps are not served', async () => {
    const plain = await raw('/assets/big-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toBe('Accept-Encoding');
    const zipped = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: srv.port, path: '/assets/big-abc123.js', headers: { 'accept-encoding': 'br;q=1, gzip;q=0.8' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 4);
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('*')).toBe(true);
    const map = await raw('/assets/big-abc123.js.map');
    expect(map.status).toBe(404);
    expect(map.body).not.toContain('secret.ts');
  });
});
