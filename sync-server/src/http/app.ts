/**
 * The HTTP request listener: CORS, bearer auth, JSON replies (or a handler's bytes, BLOB-2) and errors
 * (`{"error": {code, message}}`), one log line per request. Every failure of a handler ends here as a typed answer;
 * an unexpected one is logged and answered 500 `internal` without details, so no request can take the process down.
 */
import type * as http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ErrorCode } from '@concord/protocol';
import type { Logger } from 'pino';
import { ServiceError } from '../auth/errors.js';
import type { SessionService } from '../auth/sessions.js';
import type { AuthContext } from '../seams.js';
import { lingerClose, readJsonObject, readRawChunks } from './body.js';
import { HttpError, statusOf } from './errors.js';
import type { BinaryBody, Handler, Reply, RequestContext } from './routes.js';
import type { Router } from './router.js';
import { API_CSP } from './securityHeaders.js';

export interface AppOptions {
  readonly router: Router<Handler>;
  readonly sessions: SessionService;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  // [BLOB-6] A browser's resumed download reads where its range lies.
  'Access-Control-Expose-Headers': 'Retry-After, Content-Range, Accept-Ranges',
};

const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  ...CORS_HEADERS,
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Range, If-Range',
  'Access-Control-Max-Age': '600',
};

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

export function createApp(options: AppOptions): RequestListener {
  const { router, sessions, logger, maxBodyBytes } = options;

  return async (req, res) => {
    const started = performance.now();
    let pathname = '/';
    // Filled by ctx.auth(); read again for the log line.
    const caller: { auth: AuthContext | null; token: string | null } = { auth: null, token: null };
    let status = 500;
    try {
      const url = parseUrl(req.url);
      pathname = url.pathname;
      const method = req.method ?? 'GET';
      if (method === 'OPTIONS') {
        const allowed = router.allowed(pathname);
        if (allowed.length === 0) throw new HttpError(404, ErrorCode.NotFound, `no route ${pathname}`);
        status = 204;
        res.writeHead(204, { ...PREFLIGHT_HEADERS, 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': API_CSP, 'Access-Control-Allow-Methods': [...allowed, 'OPTIONS'].join(', ') });
        res.end();
        return;
      }
      const match = router.match(method, pathname);
      const ctx: RequestContext = {
        params: match.params,
        query: url.searchParams,
        address: req.socket.remoteAddress ?? 'unknown',
        auth() {
          if (caller.auth !== null) return caller.auth;
          const token = bearer(req.headers.authorization);
          const verified = token === null ? null : sessions.verifyToken(token);
          if (verified === null || token === null) {
            throw new HttpError(401, ErrorCode.Unauthorized, 'a valid bearer token is required', {
              'WWW-Authenticate': 'Bearer',
            });
          }
          caller.token = token;
          caller.auth = verified;
          return verified;
        },
        bearer() {
          ctx.auth();
          return caller.token ?? '';
        },
        // [HTTP-14] A refused JSON body (too big, malformed, cut off) is not read to its end: the rest is dropped
        // after the answer, then the connection closes, so the client reads the answer, not a reset.
        body: () =>
          readJsonObject(req, maxBodyBytes).catch((err: unknown) => {
            lingerClose(req, res);
            throw err;
          }),
        header: (name) => {
          const value = req.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : value;
        },
        rawBody: (limit) => readRawChunks(req, limit),
        discardBody: () => lingerClose(req, res),
      };
      const reply: Reply = await match.handler(ctx);
      status = reply.status;
      if (reply.binary === undefined) send(res, reply.status, reply.body);
      else await sendBinary(req, res, reply.status, reply.binary, logger);
    } catch (err) {
      status = sendError(res, err, logger);
    } finally {
      // Authenticated callers are logged by ids only; tokens and bodies never reach the log.
      const who = caller.auth === null ? {} : { userId: caller.auth.userId, deviceId: caller.auth.deviceId };
      logger.info(
        { method: req.method, path: pathname, status, ms: Math.round((performance.now() - started) * 10) / 10, ...who },
        'http',
      );
    }
  };
}

function parseUrl(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    throw new HttpError(400, ErrorCode.BadRequest, 'malformed URL');
  }
}

function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([^ ]+) *$/i.exec(header);
  return match?.[1] ?? null;
}

function send(res: http.ServerResponse, status: number, body: unknown, extra: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': API_CSP,
    ...extra,
  };
  if (body === undefined || status === 204) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Content-Length'] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}

async function sendBinary(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  binary: BinaryBody,
  logger: Logger,
): Promise<void> {
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    'X-Content-Type-Options': 'nosniff',
    // Should a browser ever be pointed at these bytes, they run nothing.
    'Content-Security-Policy': API_CSP,
    ...binary.headers,
    'Content-Type': binary.contentType,
  };
  if (binary.length !== null) headers['Content-Length'] = String(binary.length);
  if (req.method === 'HEAD') {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  // Opened before the status line goes out, so a file that cannot be read is still answered 500.
  const source = await binary.open();
  res.writeHead(status, headers);
  try {
    await pipeline(source, res);
  } catch (err) {
    // Headers are out: the only way left to say "incomplete" is to cut the connection (pipeline destroyed both).
    // A client that went away is routine; a file that fails mid-read is not.
    const gone = (err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (gone) logger.debug({ err }, 'response cut off by the client');
    else logger.error({ err }, 'response body failed');
  }
}

function sendError(res: http.ServerResponse, err: unknown, logger: Logger): number {
  if (err instanceof ServiceError) {
    const status = statusOf(err);
    const headers: Record<string, string> = err instanceof HttpError ? { ...err.headers } : {};
    if (err.retryAfterMs !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
    send(res, status, { error: { code: err.code, message: err.message } }, headers);
    return status;
  }
  logger.error({ err }, 'unexpected error in request handler');
  send(res, 500, { error: { code: ErrorCode.Internal, message: 'internal error' } });
  return 500;
}
