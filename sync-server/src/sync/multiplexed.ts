/**
 * The multiplexed endpoint `/v1/sync` (SPEC WIRE-*, SYNC-*): one socket per device, HELLO/WELCOME, then SYNC,
 * AWARENESS, QUERY_AWARENESS, UNSUBSCRIBE and PING frames for any number of docs.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import {
  CloseCode,
  ErrorCode,
  FrameKind,
  MAX_WELCOME_DOCS,
  PROTOCOL_VERSION,
  ProtocolError,
  decodeFrame,
  encodeFrame,
  isDocName,
  type DeviceId,
  type DocName,
  type Frame,
  type FrameOf,
} from '@concord/protocol';
import type { AuthContext, Authenticator } from '../seams.js';
import type { DocHandle, SyncHub } from './hub.js';
import type { SyncLimits } from './limits.js';
import type { SyncMetrics } from './metrics.js';
import { SocketSender, allocatePeerId, type Peer } from './peer.js';
import { CLOSE_INTERNAL, rawToBytes } from './wsUtil.js';
import { PingBucket } from './pingLimit.js';

export interface EndpointDeps {
  readonly hub: SyncHub;
  readonly authenticator: Authenticator;
  /**
   * Registers a socket that authenticated with `?token=` but has not said HELLO yet, so that the end of that
   * device's session closes it too (AUTH-WS-5); the hub only knows sockets after HELLO. Returns the unregister.
   */
  readonly watchUnwelcomed: (deviceId: DeviceId, close: () => void) => () => void;
  /** [SEG-8] Whether a conversation segment may be subscribed to: it is loaded or stored, or its predecessor is. */
  readonly segmentOpenable: (doc: DocName) => boolean;
  /** [PRES-2] A socket was welcomed: it hears the presence of the people it may see. */
  readonly welcomed?: (peer: Peer) => void;
  readonly limits: SyncLimits;
  readonly metrics: SyncMetrics;
  readonly logger: Logger;
}

class MuxPeer implements Peer {
  readonly id = allocatePeerId();
  readonly kind = 'mux' as const;
  constructor(
    readonly auth: AuthContext,
    private readonly sender: SocketSender,
  ) {}
  send(data: Uint8Array): void {
    this.sender.send(data);
  }
  sendFrame(frame: Frame): void {
    this.sender.send(encodeFrame(frame));
  }
  sendAck(doc: DocName, cursor: number, clocks: readonly { client: number; clock: number }[]): void {
    this.sendFrame({ kind: FrameKind.Ack, doc, cursor, clocks });
  }
  sendReject(doc: DocName, code: string, message: string): void {
    this.sendFrame({ kind: FrameKind.Reject, doc, code, message });
  }
  sendNotify(doc: DocName, cursor: number): void {
    this.sendFrame({ kind: FrameKind.Notify, doc, cursor });
  }
  revokeDoc(doc: DocName): void {
    this.sendReject(doc, ErrorCode.Forbidden, 'AUTHZ: no longer a member');
  }
  close(code: number, reason: string): void {
    this.sender.close(code, reason);
  }
}

/** Serves one accepted `/v1/sync` socket until it closes. `queryToken` is the `?token=` parameter, if any. */
export function serveMultiplexed(ws: WebSocket, queryToken: string | null, deps: EndpointDeps): void {
  const { hub, limits, metrics } = deps;
  let log = deps.logger.child({ endpoint: 'sync' });
  const sender = new SocketSender(ws, limits.maxBufferedBytes, metrics, log);
  let peer: MuxPeer | null = null;

  const fail = (code: string, message: string, closeCode: number): void => {
    sender.send(encodeFrame({ kind: FrameKind.Error, code, message }));
    sender.close(closeCode, code);
  };

  // [AUTH-WS-1] a bad ?token= is refused at once; a missing one may still come in HELLO.
  let unwatch: (() => void) | null = null;
  if (queryToken !== null && queryToken !== '') {
    const preAuth = deps.authenticator.verifyToken(queryToken);
    if (preAuth === null) {
      sender.close(CloseCode.Unauthorized, ErrorCode.Unauthorized);
      return;
    }
    // [AUTH-WS-5] Revoked, rotated or expired before HELLO: closed like a welcomed socket of that device.
    unwatch = deps.watchUnwelcomed(preAuth.deviceId, () => sender.close(CloseCode.Unauthorized, 'session ended'));
  }
  // [WIRE-1] HELLO within the deadline.
  const helloTimer = setTimeout(() => fail(ErrorCode.BadRequest, 'no HELLO in time', CloseCode.Timeout), limits.helloTimeoutMs);
  helloTimer.unref();

  const onHello = (hello: FrameOf<typeof FrameKind.Hello>): void => {
    clearTimeout(helloTimer);
    unwatch?.();
    unwatch = null;
    if (hello.version !== PROTOCOL_VERSION) {
      fail(ErrorCode.VersionMismatch, `server speaks protocol ${PROTOCOL_VERSION}, not ${hello.version}`, CloseCode.VersionMismatch);
      return;
    }
    // [AUTH-WS-5] The token is checked against the session state of now, not of the upgrade: a query token that
    // was revoked, rotated or expired since then no longer authenticates an empty-token HELLO.
    const token = hello.token !== '' ? hello.token : (queryToken ?? '');
    const auth = token !== '' ? deps.authenticator.verifyToken(token) : null;
    if (auth === null) {
      fail(ErrorCode.Unauthorized, 'invalid or revoked token', CloseCode.Unauthorized);
      return;
    }
    const candidate = new MuxPeer(auth, sender);
    if (!hub.addPeer(candidate)) {
      fail(ErrorCode.RateLimited, 'WIRE-7: too many open sockets for this device or user', CloseCode.RateLimited);
      return;
    }
    peer = candidate;
    log = log.child({ user: auth.userId, device: auth.deviceId });
    // [WIRE-2] A cursor from the future (the server's data was reset) counts as no cursor.
    const cursor = hub.store.cursor();
    const since = hello.cursor > cursor ? 0 : hello.cursor;
    const changed = hub.store.changedSince(hub.access.docsVisibleTo(auth.userId), since);
    peer.sendFrame({
      kind: FrameKind.Welcome,
      version: PROTOCOL_VERSION,
      userId: auth.userId,
      deviceId: auth.deviceId,
      cursor,
      changed: changed.slice(0, MAX_WELCOME_DOCS),
      serverTime: Date.now(),
    });
    for (const doc of changed.slice(MAX_WELCOME_DOCS)) peer.sendNotify(doc as DocName, cursor);
    deps.welcomed?.(peer);
  };

  const pingBuckets = new WeakMap<MuxPeer, PingBucket>();
  const onFrame = (p: MuxPeer, frame: Frame): void => {
    switch (frame.kind) {
      case FrameKind.Sync:
        onSync(p, frame.doc, frame.payload);
        return;
      case FrameKind.Awareness: {
        const handle = subscribed(p, frame.doc);
        if (handle !== null) applyAwarenessChecked(hub, p, handle, frame.update);
        return;
      }
      case FrameKind.QueryAwareness: {
        const handle = subscribed(p, frame.doc);
        const states = handle === null ? null : hub.awarenessSnapshot(handle);
        if (handle !== null && states !== null) p.send(hub.frameAwareness('mux', handle, states));
        return;
      }
      case FrameKind.Unsubscribe:
        if (isDocName(frame.doc)) hub.unsubscribe(p, frame.doc);
        return;
      case FrameKind.Ping: {
        let bucket = pingBuckets.get(p);
        if (bucket === undefined) {
          bucket = new PingBucket();
          pingBuckets.set(p, bucket);
        }
        if (!bucket.take()) {
          log.warn('ping flood: closed');
          p.close(CloseCode.RateLimited, 'SYNC-5: too many pings');
          return;
        }
        p.sendFrame({ kind: FrameKind.Pong, nonce: frame.nonce });
        return;
      }
      case FrameKind.Hello:
      case FrameKind.Welcome:
      case FrameKind.Ack:
      case FrameKind.Reject:
      case FrameKind.Notify:
      case FrameKind.Error:
      case FrameKind.Pong:
      case FrameKind.Presence:
        throw new ProtocolError(ErrorCode.BadFrame, `frame kind ${frame.kind} is not valid here`);
      default:
        throw new ProtocolError(ErrorCode.UnknownFrame, 'unknown frame');
    }
  };

  const subscribed = (p: MuxPeer, doc: string): DocHandle | null => {
    const handle = isDocName(doc) ? hub.subscription(p, doc) : undefined;
    if (handle === undefined) {
      p.sendReject(doc as DocName, ErrorCode.BadRequest, 'WIRE-3: subscribe with SYNC first');
      return null;
    }
    return handle;
  };

  const onSync = (p: MuxPeer, doc: string, payload: Uint8Array): void => {
    // [WIRE-3] subscription with an access check; refusals are per doc.
    if (!isDocName(doc)) {
      p.sendReject(doc as DocName, ErrorCode.InvalidDocName, 'DOC-1: not a doc name');
      return;
    }
    let handle = hub.subscription(p, doc);
    if (handle === undefined) {
      if (hub.subscriptionCount(p) >= limits.maxDocsPerSocket) {
        p.sendReject(doc, ErrorCode.TooManyDocs, `at most ${limits.maxDocsPerSocket} docs per socket`);
        return;
      }
      if (!hub.access.canAccess(p.auth.userId, doc)) {
        p.sendReject(doc, ErrorCode.Forbidden, 'AUTHZ: not visible to this user');
        return;
      }
      if (!deps.segmentOpenable(doc)) {
        p.sendReject(doc, ErrorCode.SegmentGap, 'SEG-8: no such segment (at most one past the stored head)');
        return;
      }
      handle = hub.subscribe(p, doc);
    }
    const { type, data } = readSyncMessage(payload);
    switch (type) {
      case 0: {
        // SyncStep1: answer with what the client lacks, then ask for what we lack.
        const sv = data;
        let diff: Uint8Array;
        try {
          diff = Y.encodeStateAsUpdate(handle.ydoc, sv);
        } catch {
          throw new ProtocolError(ErrorCode.BadFrame, 'malformed state vector');
        }
        p.send(hub.frameSync('mux', handle, syncMessage(1, diff)));
        p.send(hub.frameSync('mux', handle, syncMessage(0, Y.encodeStateVector(handle.ydoc))));
        return;
      }
      case 1:
      case 2:
        hub.submit(p, handle, data);
        return;
    }
  };

  // The doc name of this socket's last SYNC frame, as sent and as decoded: a device writes to the same doc over and
  // over, so a frame whose name bytes match is split without decoding the name again (the hot path under load).
  let lastSyncName: { readonly bytes: Uint8Array; readonly doc: string } | null = null;

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    metrics.framesIn++;
    try {
      const bytes = rawToBytes(raw);
      metrics.bytesIn += bytes.byteLength;
      if (!isBinary) throw new ProtocolError(ErrorCode.BadFrame, 'text frames are not part of the protocol');
      if (peer !== null && lastSyncName !== null) {
        const payload = syncPayloadIfNamed(bytes, lastSyncName.bytes);
        if (payload !== null) {
          onSync(peer, lastSyncName.doc, payload);
          return;
        }
      }
      const frame = decodeFrame(bytes);
      if (frame.kind === FrameKind.Sync && peer !== null) {
        const nameBytes = syncNameBytes(bytes);
        lastSyncName = nameBytes === null ? null : { bytes: nameBytes, doc: frame.doc };
      }
      if (peer === null) {
        if (frame.kind !== FrameKind.Hello) throw new ProtocolError(ErrorCode.BadFrame, 'WIRE-1: HELLO must come first');
        onHello(frame);
        return;
      }
      onFrame(peer, frame);
    } catch (err) {
      // [WIRE-4] every inbound frame is untrusted: one bad frame costs its sender the socket, never the process.
      if (err instanceof ProtocolError) {
        metrics.badFrames++;
        log.info({ code: err.code, reason: err.message }, 'bad frame');
        fail(err.code, err.message, CloseCode.ProtocolError);
      } else {
        log.error({ err }, 'frame handler failed');
        fail(ErrorCode.Internal, 'internal error', CLOSE_INTERNAL);
      }
    }
  });
  ws.on('close', () => {
    clearTimeout(helloTimer);
    unwatch?.();
    metrics.connectionsClosed++;
    if (peer !== null) hub.removePeer(peer);
  });
}

/**
 * The payload of a SYNC frame whose doc name is exactly `name` (as encoded: varUint length, then UTF-8), else null.
 * The same bytes decode to the same name, which decodeFrame accepted before; SYNC frames carry nothing else to check.
 */
function syncPayloadIfNamed(frame: Uint8Array, name: Uint8Array): Uint8Array | null {
  const n = name.byteLength;
  if (frame.byteLength < n + 1 || frame[0] !== FrameKind.Sync) return null;
  for (let i = 0; i < n; i++) if (frame[i + 1] !== name[i]) return null;
  return frame.subarray(n + 1);
}

/** The encoded name (varUint length and bytes) of a SYNC frame decodeFrame accepted; null for names of 128+ bytes. */
function syncNameBytes(frame: Uint8Array): Uint8Array | null {
  const len = frame[1];
  if (len === undefined || len >= 0x80) return null;
  return frame.slice(1, 2 + len);
}

/** Splits a y-protocols sync message; anything else than step 1, step 2 or update is a bad frame. */
export function readSyncMessage(payload: Uint8Array): { type: 0 | 1 | 2; data: Uint8Array } {
  try {
    const d = decoding.createDecoder(payload);
    const type = decoding.readVarUint(d);
    const data = decoding.readVarUint8Array(d);
    if (decoding.hasContent(d)) throw new Error('trailing bytes');
    if (type !== 0 && type !== 1 && type !== 2) throw new Error(`unknown sync message type ${type}`);
    return { type, data };
  } catch (err) {
    throw new ProtocolError(ErrorCode.BadFrame, `malformed sync message: ${(err as Error).message}`);
  }
}

export function applyAwarenessChecked(hub: SyncHub, peer: Peer, handle: DocHandle, update: Uint8Array): void {
  try {
    hub.applyAwareness(peer, handle, update);
  } catch (err) {
    throw new ProtocolError(ErrorCode.BadFrame, `malformed awareness update: ${(err as Error).message}`);
  }
}

function syncMessage(type: 0 | 1, data: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  encoding.writeVarUint8Array(e, data);
  return encoding.toUint8Array(e);
}
export { syncMessage };
