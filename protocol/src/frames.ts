/**
 * Frames of the multiplexed endpoint `/v1/sync` (SPEC.md, WIRE-*). One binary WebSocket message is one frame:
 * `varUint kind` then the fields below, encoded with lib0. Kinds 0, 1 and 3 keep the y-websocket numbers and carry
 * y-protocols payloads untouched, prefixed by the doc name; kinds 8 and up are Concord's own.
 *
 * The plain endpoint `/v1/doc/<name>` uses the same kinds without the doc name field (see plainFrames.ts).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ProtocolError } from './errors.js';
import { PROTOCOL_VERSION } from './version.js';

export const FrameKind = {
  /** y-protocols sync message (step 1, step 2 or update) for one doc. Both directions. */
  Sync: 0,
  /** y-protocols awareness update for one doc. Both directions. */
  Awareness: 1,
  /** y-protocols "auth" message of y-websocket; only used on the plain endpoint to say permission denied. */
  Auth: 2,
  /** Ask for the full awareness state of a doc. Client to server. */
  QueryAwareness: 3,
  /** First frame of a connection. Client to server. */
  Hello: 8,
  /** Answer to HELLO: who the device is, the server cursor, and the docs changed since the device's cursor. */
  Welcome: 9,
  /** The server durably stored an update from this connection: what it now holds of the update's client ids. */
  Ack: 10,
  /** The server refused an update or a subscription for one doc; nothing of it was stored or relayed. */
  Reject: 11,
  /** A doc this device may see changed (or became visible) and the device is not subscribed to it. */
  Notify: 12,
  /** Stop receiving updates and awareness of a doc. Client to server. */
  Unsubscribe: 13,
  /** A connection-level error; usually followed by a close. Server to client. */
  Error: 14,
  /** Application heartbeat (browsers cannot send WebSocket pings). Client to server; the server answers PONG. */
  Ping: 15,
  Pong: 16,
  /** [PRES-1] Whether a user this device may see is online, or when they were last. Server to client. */
  Presence: 17,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** What a server holds for one Yjs client id: every struct with clock < `clock`. */
export interface ClockEntry {
  readonly client: number;
  readonly clock: number;
}

export type Frame =
  | { readonly kind: typeof FrameKind.Sync; readonly doc: string; readonly payload: Uint8Array }
  | { readonly kind: typeof FrameKind.Awareness; readonly doc: string; readonly update: Uint8Array }
  | { readonly kind: typeof FrameKind.QueryAwareness; readonly doc: string }
  | { readonly kind: typeof FrameKind.Hello; readonly version: number; readonly token: string; readonly cursor: number }
  | {
      readonly kind: typeof FrameKind.Welcome;
      readonly version: number;
      readonly userId: string;
      readonly deviceId: string;
      readonly cursor: number;
      readonly changed: readonly string[];
      /** [HLC-2] The server's wall clock (ms since the epoch) when it answered; 0 from a version-1 server. */
      readonly serverTime: number;
    }
  | { readonly kind: typeof FrameKind.Ack; readonly doc: string; readonly cursor: number; readonly clocks: readonly ClockEntry[] }
  | { readonly kind: typeof FrameKind.Reject; readonly doc: string; readonly code: string; readonly message: string }
  | { readonly kind: typeof FrameKind.Notify; readonly doc: string; readonly cursor: number }
  | { readonly kind: typeof FrameKind.Unsubscribe; readonly doc: string }
  | { readonly kind: typeof FrameKind.Error; readonly code: string; readonly message: string }
  | { readonly kind: typeof FrameKind.Ping; readonly nonce: number }
  | { readonly kind: typeof FrameKind.Pong; readonly nonce: number }
  | {
      readonly kind: typeof FrameKind.Presence;
      readonly userId: string;
      readonly online: boolean;
      /** When the user's last socket closed (ms since the epoch); 0 when not known or not shown (PRES-3). */
      readonly lastSeen: number;
    };

export type FrameOf<K extends FrameKind> = Extract<Frame, { kind: K }>;

/** Longest doc name, code or message text a frame may carry; longer is a malformed frame. */
export const MAX_NAME_LENGTH = 200;
export const MAX_TEXT_LENGTH = 2000;
/** More changed docs than this in one WELCOME is split by the server into NOTIFY frames. */
export const MAX_WELCOME_DOCS = 10_000;

export function encodeFrame(frame: Frame): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, frame.kind);
  switch (frame.kind) {
    case FrameKind.Sync:
      encoding.writeVarString(e, frame.doc);
      // The y-protocols message is appended raw so the receiver can hand a decoder straight to syncProtocol.
      encoding.writeUint8Array(e, frame.payload);
      break;
    case FrameKind.Awareness:
      encoding.writeVarString(e, frame.doc);
      encoding.writeVarUint8Array(e, frame.update);
      break;
    case FrameKind.QueryAwareness:
    case FrameKind.Unsubscribe:
      encoding.writeVarString(e, frame.doc);
      break;
    case FrameKind.Hello:
      encoding.writeVarUint(e, frame.version);
      encoding.writeVarString(e, frame.token);
      encoding.writeVarUint(e, frame.cursor);
      break;
    case FrameKind.Welcome:
      encoding.writeVarUint(e, frame.version);
      encoding.writeVarString(e, frame.userId);
      encoding.writeVarString(e, frame.deviceId);
      encoding.writeVarUint(e, frame.cursor);
      encoding.writeVarUint(e, frame.changed.length);
      for (const doc of frame.changed) encoding.writeVarString(e, doc);
      encoding.writeVarUint(e, frame.serverTime);
      break;
    case FrameKind.Ack:
      encoding.writeVarString(e, frame.doc);
      encoding.writeVarUint(e, frame.cursor);
      writeClocks(e, frame.clocks);
      break;
    case FrameKind.Reject:
      encoding.writeVarString(e, frame.doc);
      encoding.writeVarString(e, frame.code);
      encoding.writeVarString(e, frame.message);
      break;
    case FrameKind.Notify:
      encoding.writeVarString(e, frame.doc);
      encoding.writeVarUint(e, frame.cursor);
      break;
    case FrameKind.Error:
      encoding.writeVarString(e, frame.code);
      encoding.writeVarString(e, frame.message);
      break;
    case FrameKind.Ping:
    case FrameKind.Pong:
      encoding.writeVarUint(e, frame.nonce);
      break;
    case FrameKind.Presence:
      encoding.writeVarString(e, frame.userId);
      encoding.writeVarUint(e, frame.online ? 1 : 0);
      encoding.writeVarUint(e, frame.lastSeen);
      break;
    default:
      return unexpectedCase(frame);
  }
  return encoding.toUint8Array(e);
}

/** Decode one multiplexed frame. Throws ProtocolError (code bad_frame or unknown_frame) and nothing else. */
export function decodeFrame(data: Uint8Array): Frame {
  try {
    const frame = decodeUnchecked(decoding.createDecoder(data));
    return frame;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError('bad_frame', `malformed frame: ${(err as Error).message}`);
  }
}

function decodeUnchecked(d: decoding.Decoder): Frame {
  const kind = decoding.readVarUint(d);
  switch (kind) {
    case FrameKind.Sync: {
      const doc = readName(d);
      return { kind, doc, payload: decoding.readTailAsUint8Array(d) };
    }
    case FrameKind.Awareness: {
      const doc = readName(d);
      return end(d, { kind, doc, update: decoding.readVarUint8Array(d) });
    }
    case FrameKind.QueryAwareness:
    case FrameKind.Unsubscribe:
      return end(d, { kind, doc: readName(d) });
    case FrameKind.Hello: {
      const version = decoding.readVarUint(d);
      const token = readText(d);
      return end(d, { kind, version, token, cursor: decoding.readVarUint(d) });
    }
    case FrameKind.Welcome: {
      const version = decoding.readVarUint(d);
      const userId = readName(d);
      const deviceId = readName(d);
      const cursor = decoding.readVarUint(d);
      const n = decoding.readVarUint(d);
      if (n > MAX_WELCOME_DOCS) throw new ProtocolError('bad_frame', 'too many docs in WELCOME');
      const changed: string[] = [];
      for (let i = 0; i < n; i++) changed.push(readName(d));
      // A server of another version may end here (version 1 did): that frame still decodes, so the client can report
      // the version mismatch; this version's WELCOME must carry the time.
      const serverTime = version === PROTOCOL_VERSION || decoding.hasContent(d) ? decoding.readVarUint(d) : 0;
      return end(d, { kind, version, userId, deviceId, cursor, changed, serverTime });
    }
    case FrameKind.Ack: {
      const doc = readName(d);
      const cursor = decoding.readVarUint(d);
      return end(d, { kind, doc, cursor, clocks: readClocks(d) });
    }
    case FrameKind.Reject: {
      const doc = readName(d);
      const code = readName(d);
      return end(d, { kind, doc, code, message: readText(d) });
    }
    case FrameKind.Notify: {
      const doc = readName(d);
      return end(d, { kind, doc, cursor: decoding.readVarUint(d) });
    }
    case FrameKind.Error: {
      const code = readName(d);
      return end(d, { kind, code, message: readText(d) });
    }
    case FrameKind.Ping:
    case FrameKind.Pong:
      return end(d, { kind, nonce: decoding.readVarUint(d) });
    case FrameKind.Presence: {
      const userId = readName(d);
      const online = decoding.readVarUint(d);
      if (online > 1) throw new ProtocolError('bad_frame', 'presence online flag is 0 or 1');
      return end(d, { kind, userId, online: online === 1, lastSeen: decoding.readVarUint(d) });
    }
    default:
      throw new ProtocolError('unknown_frame', `unknown frame kind ${kind}`);
  }
}

export function writeClocks(e: encoding.Encoder, clocks: readonly ClockEntry[]): void {
  encoding.writeVarUint(e, clocks.length);
  for (const { client, clock } of clocks) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
  }
}

export function readClocks(d: decoding.Decoder): ClockEntry[] {
  const n = decoding.readVarUint(d);
  // Each entry takes at least two bytes, so a count beyond the remaining bytes is a lie, not a big ack.
  if (n * 2 > d.arr.length - d.pos) throw new ProtocolError('bad_frame', 'clock count exceeds frame');
  const clocks: ClockEntry[] = [];
  for (let i = 0; i < n; i++) clocks.push({ client: decoding.readVarUint(d), clock: decoding.readVarUint(d) });
  return clocks;
}

export function readName(d: decoding.Decoder): string {
  const s = decoding.readVarString(d);
  if (s.length > MAX_NAME_LENGTH) throw new ProtocolError('bad_frame', 'name too long');
  return s;
}

function readText(d: decoding.Decoder): string {
  const s = decoding.readVarString(d);
  if (s.length > MAX_TEXT_LENGTH) throw new ProtocolError('bad_frame', 'text too long');
  return s;
}

function end<F extends Frame>(d: decoding.Decoder, frame: F): F {
  if (decoding.hasContent(d)) throw new ProtocolError('bad_frame', 'trailing bytes after frame');
  return frame;
}

export function unexpectedCase(value: never): never {
  throw new Error(`unexpected case: ${JSON.stringify(value)}`);
}
