/**
 * Request bodies: JSON objects of at most `limit` bytes, or raw bytes streamed chunk by chunk (blobs). A body over the
 * limit is answered with 413 at once; the rest of it, JSON or raw, is read and dropped for a bounded time after the
 * answer (lingerClose), so the client reads the answer instead of a reset.
 */
import type * as http from 'node:http';
import { ErrorCode } from '@concord/protocol';
import { HttpError, badRequest } from './errors.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * No `Connection: close`: Node would destroy the socket right after the answer while the client is still sending,
 * and the reset that follows throws away the answer (HTTP-14). The caller hands the request to lingerClose().
 */
function tooBig(limit: number): HttpError {
  return new HttpError(413, ErrorCode.TooBig, `request body over ${limit} bytes`);
}

function readRaw(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooBig(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        reject(tooBig(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * How long the rest of a refused raw body is still read (and dropped) after the answer went out. Cutting the socket
 * while the client is still sending makes the kernel answer its bytes with a reset, and a reset throws away the
 * answer the client has not read yet: an upload a few MiB over the limit would end as a network error (which a
 * client retries) instead of the 413 it must see. Bounded in time, not in bytes: what a client can push in 2 s.
 */
const LINGER_MS = 2000;
const lingering = new WeakSet<http.IncomingMessage>();

/**
 * [BLOB-1] For a refusal of a raw body not read to its end (413, or 401..404 before reading): the rest is read and
 * dropped; once the answer is out our side of the connection is closed (FIN, so the client reads the answer, then
 * the end), and the socket is destroyed when the client closes too, or after LINGER_MS. No `Connection: close`
 * header: Node would destroy the socket right after the answer, which is the reset this avoids. A no-op once the
 * whole body has arrived (the connection then stays usable).
 */
export function lingerClose(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.complete || lingering.has(req)) return;
  lingering.add(req);
  req.on('data', () => undefined);
  req.on('error', () => undefined);
  req.resume();
  res.once('finish', () => {
    const socket = req.socket;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * [BLOB-1] The raw body as it arrives, for a consumer that writes it somewhere as it goes: nothing is buffered here
 * (the loop pulls the next chunk only when the consumer asks), and 413 is thrown as soon as the declared length or
 * the bytes received pass `limit`, before the chunk that crosses it is handed out. A body the client cuts off is a
 * 400, not an internal error: the consumer's cleanup runs either way. On any refusal the caller hands the request
 * to lingerClose() for the rest.
 */
export async function* readRawChunks(req: http.IncomingMessage, limit: number): AsyncGenerator<Buffer, void, undefined> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) throw tooBig(limit);
  let total = 0;
  // destroyOnReturn false: leaving the loop early (413, or the consumer failing) must not destroy the socket before
  // the answer is written.
  const chunks = req.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
  try {
    while (true) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch {
        throw new HttpError(400, ErrorCode.BadRequest, 'the request body was cut off');
      }
      if (next.done === true) return;
      total += next.value.length;
      if (total > limit) throw tooBig(limit);
      yield next.value;
    }
  } finally {
    // Also when the consumer stops early. The iterator's 'readable' listener must go: while one is attached, the
    // 'data' listener of lingerClose() gets nothing and the rest of the body is never read.
    await chunks.return?.();
  }
}

export async function readJsonObject(req: http.IncomingMessage, limit: number): Promise<JsonObject> {
  const raw = await readRaw(req, limit);
  if (raw.length === 0) throw badRequest('a JSON object body is required');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('malformed JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('the body must be a JSON object');
  }
  return value as JsonObject;
}

/** Own properties only: a `__proto__` key in the JSON is just a key, never a prototype. */
function field(body: JsonObject, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(body, name) ? body[name] : undefined;
}

export function requiredString(body: JsonObject, name: string): string {
  const value = field(body, name);
  if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
  return value;
}

export function optionalString(body: JsonObject, name: string): string | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
  return value;
}

export function optionalBoolean(body: JsonObject, name: string): boolean | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${name} must be true or false`);
  return value;
}

export function requiredStringArray(body: JsonObject, name: string, max: number): string[] {
  const value = field(body, name);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw badRequest(`${name} must be an array of strings`);
  }
  if (value.length > max) throw badRequest(`${name} may hold at most ${max} entries`);
  return value;
}
