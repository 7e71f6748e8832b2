/**
 * Request bodies: JSON objects of at most `limit` bytes. A body over the limit is answered with 413 at once; the
 * rest of it is drained (up to a cap, then the socket is cut) so the client reads the answer instead of a reset.
 */
import type * as http from 'node:http';
import { ErrorCode } from '@concord/client-core/protocol';
import { HttpError, badRequest } from './errors.js';

export type JsonObject = Readonly<Record<string, unknown>>;

const DRAIN_CAP_BYTES = 1024 * 1024;

function tooBig(limit: number): HttpError {
  return new HttpError(413, ErrorCode.TooBig, `request body over ${limit} bytes`, { Connection: 'close' });
}

function readRaw(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) {
    drain(req);
    return Promise.reject(tooBig(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        drain(req);
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

function drain(req: http.IncomingMessage): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_CAP_BYTES) req.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
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

export function requiredStringArray(body: JsonObject, name: string, max: number): string[] {
  const value = field(body, name);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw badRequest(`${name} must be an array of strings`);
  }
  if (value.length > max) throw badRequest(`${name} may hold at most ${max} entries`);
  return value;
}
