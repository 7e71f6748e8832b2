/**
 * Concord's additions to the plain y-websocket protocol on `/v1/doc/<name>` (SPEC.md, WIRE-PLAIN-*): the same
 * kind numbers as the multiplexed frames, without the doc name. The stock y-websocket client logs and ignores
 * kinds it does not know, so ACK and REJECT are safe to send to it.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ProtocolError } from './errors.js';
import { type ClockEntry, FrameKind, readClocks, readName, writeClocks } from './frames.js';

export function encodePlainAck(cursor: number, clocks: readonly ClockEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, FrameKind.Ack);
  encoding.writeVarUint(e, cursor);
  writeClocks(e, clocks);
  return encoding.toUint8Array(e);
}

export function encodePlainReject(code: string, message: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, FrameKind.Reject);
  encoding.writeVarString(e, code);
  encoding.writeVarString(e, message);
  return encoding.toUint8Array(e);
}

/** y-websocket's "permission denied" auth message: its provider reports it through `permissionDeniedHandler`. */
export function encodePlainPermissionDenied(reason: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, FrameKind.Auth);
  encoding.writeVarUint(e, 0);
  encoding.writeVarString(e, reason);
  return encoding.toUint8Array(e);
}

export type PlainConcordFrame =
  | { readonly kind: typeof FrameKind.Ack; readonly cursor: number; readonly clocks: readonly ClockEntry[] }
  | { readonly kind: typeof FrameKind.Reject; readonly code: string; readonly message: string };

/** Decode an ACK or REJECT received on the plain endpoint (for tests and tools that speak it). */
export function decodePlainConcordFrame(data: Uint8Array): PlainConcordFrame | null {
  try {
    const d = decoding.createDecoder(data);
    const kind = decoding.readVarUint(d);
    if (kind === FrameKind.Ack) {
      const cursor = decoding.readVarUint(d);
      return { kind, cursor, clocks: readClocks(d) };
    }
    if (kind === FrameKind.Reject) {
      const code = readName(d);
      return { kind, code, message: decoding.readVarString(d) };
    }
    return null;
  } catch (err) {
    throw new ProtocolError('bad_frame', `malformed plain frame: ${(err as Error).message}`);
  }
}
