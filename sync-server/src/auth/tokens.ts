/** Session tokens: 32 random bytes, base64url. Only their SHA-256 is stored, so a leaked database holds no token. */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A token of the right shape; anything else is refused before touching the database. */
export function isTokenShaped(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
