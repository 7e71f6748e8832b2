/**
 * Serves a built single-page app (the web client's dist/) from the same origin as the API and the WebSocket, so
 * a browser needs no CORS and `npm start` is the only command (SPEC.md §9 WEB-SERVE-*).
 *
 * - GET and HEAD only; `/v1/...` and `/healthz` are never answered here (the API's own 404s stay JSON).
 * - A path resolves strictly inside the root: `..`, encoded separators and NUL bytes are refused, and symlinks are
 *   followed only if their target is inside the root too.
 * - A path without a file extension that names no file gets index.html (client-side routes); a missing file with
 *   an extension is left to the API router's 404.
 * - Hashed build output under /assets/ is cached for a year as immutable; everything else (index.html, sw.js)
 *   is revalidated on every load so a new build is picked up at once. ETag / If-None-Match give 304s.
 */
import { createReadStream, realpathSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type * as http from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { APP_CSP } from './securityHeaders.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Resolves true when it answered the request, false when the request is not for a static file. */
export type StaticHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export function createStaticHandler(rootDir: string): StaticHandler {
  // Resolved once: the root itself may be a symlink (e.g. a deployment's `current`).
  const root = realpathSync(rootDir);
  const rootPrefix = root.endsWith(sep) ? root : root + sep;

  const inside = async (candidate: string): Promise<{ path: string; st: Stats } | null> => {
    try {
      const real = await realpath(candidate);
      if (real !== root && !real.startsWith(rootPrefix)) return null;
      const st = await stat(real);
      return st.isFile() ? { path: real, st } : null;
    } catch {
      return null;
    }
  };

  return async (req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return false;
    const pathname = safePathname(req.url);
    if (pathname === null) return false;
    if (pathname === '/healthz' || pathname === '/v1' || pathname.startsWith('/v1/')) return false;

    const rel = pathname === '/' ? 'index.html' : pathname.slice(1);
    // [WEB-SERVE-8] Source maps show the app's sources to anyone; they stay on the build machine for debugging.
    if (extname(pathname).toLowerCase() === '.map') return false;
    let file = await inside(join(root, ...rel.split('/')));
    if (file === null) {
      if (extname(pathname) !== '') return false;
      // A client-side route (e.g. /c/abc): the app shell.
      file = await inside(join(root, 'index.html'));
      if (file === null) return false;
    }
    send(req, res, method, file.path, file.st, file.path.slice(rootPrefix.length).startsWith(`assets${sep}`));
    return true;
  };
}

/** The decoded path, or null when it could escape the root or is malformed. */
export function safePathname(rawUrl: string | undefined): string | null {
  let raw: string;
  try {
    raw = new URL(rawUrl ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
  // Encoded separators would survive URL normalisation and be decoded into real ones below.
  if (/%2f|%5c|%00/i.test(raw)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return null;
  // Dot files (e.g. .env next to the build) are never served.
  if (parts.some((p) => p.startsWith('.'))) return null;
  return decoded;
}

function send(req: http.IncomingMessage, res: http.ServerResponse, method: string, path: string, st: Stats, hashed: boolean): void {
  const ext = extname(path).toLowerCase();
  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers: Record<string, string> = {
    'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'Cache-Control': hashed ? IMMUTABLE : REVALIDATE,
    ETag: etag,
    'Last-Modified': st.mtime.toUTCString(),
    'X-Content-Type-Options': 'nosniff',
    // [WEB-SERVE-7] on every file: the policy binds the document, and a script or worker carries its own.
    'Content-Security-Policy': APP_CSP,
  };
  if (ext === '.html') {
    headers['X-Frame-Options'] = 'DENY';
    headers['Referrer-Policy'] = 'no-referrer';
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  // [WEB-SERVE-8] Text (the app's scripts, styles, HTML, SVG, JSON) goes gzipped to a client that accepts it: the
  // bundle is a third of its size on the wire, which a phone on a slow link feels. Images and fonts are compressed.
  const gzip = COMPRESSIBLE.has(ext) && st.size >= 1024 && acceptsGzip(req.headers['accept-encoding']);
  headers['Vary'] = 'Accept-Encoding';
  if (gzip) headers['Content-Encoding'] = 'gzip';
  else headers['Content-Length'] = String(st.size);
  res.writeHead(200, headers);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on('error', () => res.destroy());
  if (gzip) {
    pipeline(stream, createGzip({ level: 6 }), res).catch(() => res.destroy());
    return;
  }
  stream.pipe(res);
}

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.webmanifest', '.svg', '.txt']);

/** Whether an Accept-Encoding header accepts gzip (`gzip`, `gzip;q=0.5`, `*`; not `gzip;q=0`). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of value.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
