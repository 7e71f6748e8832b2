import { seededRandom } from '@concord/test-support';
import { describe, expect, test } from 'vitest';
import * as encoding from 'lib0/encoding';
import {
  type Frame,
  FrameKind,
  ProtocolError,
  decodeFrame,
  decodePlainConcordFrame,
  encodeFrame,
  encodePlainAck,
  encodePlainReject,
  isTerminalCloseCode,
  parseDocName,
  PROTOCOL_VERSION,
} from '@concord/protocol';

const samples: Frame[] = [
  { kind: FrameKind.Sync, doc: 'conv:abc', payload: new Uint8Array([0, 3, 1, 2, 3]) },
  { kind: FrameKind.Awareness, doc: 'conv:abc', update: new Uint8Array([9, 9]) },
  { kind: FrameKind.QueryAwareness, doc: 'user:u1' },
  { kind: FrameKind.Hello, version: 1, token: 'tok', cursor: 123456789 },
  { kind: FrameKind.Welcome, version: PROTOCOL_VERSION, userId: 'u1', deviceId: 'd1', cursor: 77, changed: ['user:u1', 'conv:c'], serverTime: 1_700_000_000_123 },
  { kind: FrameKind.Ack, doc: 'conv:c', cursor: 5, clocks: [{ client: 4294967295, clock: 12 }] },
  { kind: FrameKind.Reject, doc: 'conv:c', code: 'forbidden', message: 'not a member' },
  { kind: FrameKind.Notify, doc: 'conv:c', cursor: 9 },
  { kind: FrameKind.Unsubscribe, doc: 'conv:c' },
  { kind: FrameKind.Error, code: 'version_mismatch', message: 'server speaks 1' },
  { kind: FrameKind.Ping, nonce: 3 },
  { kind: FrameKind.Pong, nonce: 3 },
  { kind: FrameKind.Presence, userId: 'u2', online: false, lastSeen: 1_700_000_000_456 },
  { kind: FrameKind.Presence, userId: 'u3', online: true, lastSeen: 0 },
];

describe('multiplexed frames', () => {
  test.each(samples.map((f) => [f.kind, f] as const))('[WIRE-5] kind %i round-trips', (_kind, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  test('[WIRE-5] every truncation of every frame throws ProtocolError and nothing else', () => {
    for (const frame of samples) {
      const bytes = encodeFrame(frame);
      // A SYNC payload runs to the end of the frame, so only cuts inside the doc name are malformed there.
      const lastCut = frame.kind === FrameKind.Sync ? 1 + 1 + frame.doc.length : bytes.length;
      for (let cut = 0; cut < lastCut; cut++) {
        expect(() => decodeFrame(bytes.subarray(0, cut)), `kind ${frame.kind} cut at ${cut}`).toThrow(ProtocolError);
      }
    }
  });

  test('[WIRE-5] trailing bytes, unknown kinds and lying counts are refused', () => {
    const ping = encodeFrame({ kind: FrameKind.Ping, nonce: 1 });
    expect(() => decodeFrame(new Uint8Array([...ping, 0]))).toThrow(/trailing/);
    expect(() => decodeFrame(new Uint8Array([99]))).toThrowError(expect.objectContaining({ code: 'unknown_frame' }));
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, FrameKind.Ack);
    encoding.writeVarString(e, 'conv:c');
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, 2 ** 30); // claims a billion clock entries in a few bytes
    expect(() => decodeFrame(encoding.toUint8Array(e))).toThrow(ProtocolError);
  });

  test('[WIRE-5] random garbage never escapes as anything but ProtocolError', () => {
    const rand = seededRandom(42);
    for (let i = 0; i < 5000; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 40));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      try {
        decodeFrame(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
      }
    }
  });

  test('[WIRE-5] over-long doc names are refused', () => {
    const frame: Frame = { kind: FrameKind.Unsubscribe, doc: 'conv:' + 'x'.repeat(300) };
    expect(() => decodeFrame(encodeFrame(frame))).toThrow(/too long/);
  });
});

describe('plain endpoint additions', () => {
  test('[ACK-2] plain ACK and REJECT round-trip', () => {
    expect(decodePlainConcordFrame(encodePlainAck(8, [{ client: 1, clock: 2 }]))).toEqual({
      kind: FrameKind.Ack,
      cursor: 8,
      clocks: [{ client: 1, clock: 2 }],
    });
    expect(decodePlainConcordFrame(encodePlainReject('invalid_update', 'no'))).toEqual({
      kind: FrameKind.Reject,
      code: 'invalid_update',
      message: 'no',
    });
  });
});

describe('names and codes', () => {
  test('[DOC-1][SEG-1] only user: and conv: names (with a segment number) and valid ids parse', () => {
    expect(parseDocName('user:u_1-A')).toEqual({ kind: 'user', userId: 'u_1-A' });
    expect(parseDocName('conv:c1')).toEqual({ kind: 'conv', conversationId: 'c1', segment: 0 });
    expect(parseDocName('conv:c1/7')).toEqual({ kind: 'conv', conversationId: 'c1', segment: 7 });
    expect(parseDocName('conv:c1/999999')).toEqual({ kind: 'conv', conversationId: 'c1', segment: 999999 });
    const names = ['user:', 'conv:a/b', 'room:x', 'conv', 'user:a:b', 'conv:' + 'x'.repeat(65), '__proto__:x'];
    names.push('conv:a/0', 'conv:a/01', 'conv:a/1000000', 'conv:a/1/2', 'conv:a/', 'conv:/1', 'user:a/1', 'conv:a/-1', 'conv:a/1e3');
    for (const bad of names) {
      expect(parseDocName(bad), bad).toBeNull();
    }
  });

  test('[WIRE-1] 4401 and 4426 stop retrying; 4408 and 4429 do not', () => {
    expect(isTerminalCloseCode(4401)).toBe(true);
    expect(isTerminalCloseCode(4426)).toBe(true);
    expect(isTerminalCloseCode(4408)).toBe(false);
    expect(isTerminalCloseCode(4429)).toBe(false);
    expect(isTerminalCloseCode(1006)).toBe(false);
  });

  test('[CLOSE-1] exactly the "stop" rows of the close-code table are terminal: 4401, 4403, 4426', () => {
    const terminal = [1000, 1001, 1002, 1006, 1009, 4400, 4401, 4403, 4404, 4408, 4426, 4429, 4499].filter(isTerminalCloseCode);
    expect(terminal).toEqual([4401, 4403, 4426]);
  });
});
