/**
 * Password hashing with scrypt (memory-hard, from node:crypto). Stored as `scrypt$N$r$p$salt$hash` (base64url
 * salt and hash), so the cost can be raised later: a hash with older parameters is upgraded at the next login.
 *
 * Cost: N=2^14, r=8, p=1 (16 MiB per hash) measured ~75 ms on this machine's cores; N=2^15 was ~155 ms, over the
 * ~100 ms budget for a login. The async scrypt runs on libuv's thread pool, so hashing never blocks the event loop.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 14, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Refuse to run a stored hash whose cost would exhaust memory (a corrupted or hostile row). */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

export function resolveScryptParams(partial: Partial<ScryptParams> | undefined): ScryptParams {
  const params: ScryptParams = { ...DEFAULT_SCRYPT, ...partial };
  if (!validParams(params)) throw new RangeError(`invalid scrypt parameters: ${JSON.stringify(params)}`);
  return params;
}

function validParams({ N, r, p }: ScryptParams): boolean {
  const isPow2 = Number.isInteger(N) && N >= 2 && N <= MAX_N && (N & (N - 1)) === 0;
  return isPow2 && Number.isInteger(r) && r >= 1 && r <= MAX_R && Number.isInteger(p) && p >= 1 && p <= MAX_P;
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // scrypt needs 128 * N * r bytes; node's default cap (32 MiB) is too small for some allowed parameters.
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, r, p, salt, key] = parts;
  if (n === undefined || r === undefined || p === undefined || salt === undefined || key === undefined) return null;
  const params: ScryptParams = { N: Number(n), r: Number(r), p: Number(p) };
  if (!validParams(params)) return null;
  const saltBytes = Buffer.from(salt, 'base64url');
  const keyBytes = Buffer.from(key, 'base64url');
  if (saltBytes.length < 8 || keyBytes.length < 16 || keyBytes.length > 64) return null;
  return { params, salt: saltBytes, key: keyBytes };
}

/** Constant-time comparison of the derived key; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === null) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True if the stored hash uses other parameters than `params` (it is rehashed after a successful login). */
export function needsRehash(stored: string, params: ScryptParams): boolean {
  const parsed = parseHash(stored);
  return parsed === null || parsed.params.N !== params.N || parsed.params.r !== params.r || parsed.params.p !== params.p;
}
