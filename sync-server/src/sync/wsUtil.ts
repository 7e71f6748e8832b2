import type { RawData } from 'ws';

/**
 * 1011 "internal error": the server hit a bug while handling a frame. Not in the shared CloseCode table because a
 * client treats it like 1001 (reconnect with backoff) and needs no constant of its own.
 */
export const CLOSE_INTERNAL = 1011;

/** ws hands binary messages as a Buffer (default binaryType), fragmented ones as Buffer[]. */
export function rawToBytes(raw: RawData): Uint8Array {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return new Uint8Array(raw);
}
