import { randomBytes } from 'node:crypto';

/** A fresh random id: 16 bytes as base64url (22 characters), within ID-1's alphabet and length. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
