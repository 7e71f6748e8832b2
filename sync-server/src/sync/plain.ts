/**
 * The plain y-websocket endpoint `/v1/doc/<docName>` (SPEC WIRE-PLAIN-*): one doc per socket, the stock message
 * types 0 (sync), 1 (awareness), 3 (query awareness), plus Concord's ACK and REJECT which stock clients ignore.
 * The stock WebsocketProvider (y-websocket 3.1.0) works against it unmodified.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import type { WebSocket, RawData } from 'ws';
import {
  CloseCode,
  ErrorCode,
  FrameKind,
  ProtocolError,
  encodePlainAck,
  encodePlainPermissionDenied,
  encodePlainReject,
  parseDocName,
  type ClockEntry,
  type DocName,
} from '@concord/protocol';
import type { AuthContext } from '../seams.js';
import { applyAwarenessChecked, readSyncMessage, syncMessage, type EndpointDeps } from './multiplexed.js';
import { SocketSender, allocatePeerId, type Peer } from './peer.js';
import { CLOSE_INTERNAL, rawToBytes } from './wsUtil.js';

class PlainPeer implements Peer {
  readonly id = allocatePeerId();
  readonly kind = 'plain' as const;
  constructor(
    readonly auth: AuthContext,
    private readonly sender: SocketSender,
  ) {}
  send(data: Uint8Array): void {
    this.sender.send(data);
  }
  sendAck(_doc: DocName, cursor: number, clocks: readonly ClockEntry[]): void {
    this.sender.send(encodePlainAck(cursor, clocks));
  }
  sendReject(_doc: DocName, code: string, message: string): void {
    this.sender.send(encodePlainReject(code, message));
  }
  sendNotify(): void {
    // One doc per socket: a plain client is always subscribed to the only doc it could be notified of.
  }
  revokeDoc(): void {
    this.sender.send(encodePlainPermissionDenied('no longer a member'));
    this.sender.close(CloseCode.Forbidden, ErrorCode.Forbidden);
  }
  close(code: number, reason: string): void {
    this.sender.close(code, reason);
  }
}

/** Serves one accepted `/v1/doc/<name>` socket. `rawDoc` is the still URL-encoded path segment. */
export function servePlain(ws: WebSocket, rawDoc: string, queryToken: string | null, deps: EndpointDeps): void {
  const { hub, limits, metrics } = deps;
  let log = deps.logger.child({ endpoint: 'doc' });
  const sender = new SocketSender(ws, limits.maxBufferedBytes, metrics, log);
  ws.on('close', () => {
    metrics.connectionsClosed++;
  });

  // [WIRE-PLAIN-2] token from ?token= only (the stock client has no first-frame hook).
  const auth = queryToken !== null && queryToken !== '' ? deps.authenticator.verifyToken(queryToken) : null;
  if (auth === null) {
    sender.close(CloseCode.Unauthorized, ErrorCode.Unauthorized);
    return;
  }
  let docName: string;
  try {
    docName = decodeURIComponent(rawDoc);
  } catch {
    docName = '';
  }
  // [WIRE-PLAIN-3] an invalid or invisible doc: y-websocket's permission-denied message, then 4403.
  if (parseDocName(docName) === null || !hub.access.canAccess(auth.userId, docName as DocName)) {
    sender.send(encodePlainPermissionDenied(parseDocName(docName) === null ? ErrorCode.InvalidDocName : ErrorCode.Forbidden));
    sender.close(CloseCode.Forbidden, ErrorCode.Forbidden);
    return;
  }
  const doc = docName as DocName;
  log = log.child({ user: auth.userId, device: auth.deviceId, doc });
  if (!deps.segmentOpenable(doc)) {
    sender.send(encodePlainPermissionDenied(ErrorCode.SegmentGap));
    sender.close(CloseCode.Forbidden, ErrorCode.SegmentGap);
    return;
  }
  const peer = new PlainPeer(auth, sender);
  if (!hub.addPeer(peer)) {
    sender.close(CloseCode.RateLimited, 'WIRE-7: too many open sockets');
    return;
  }
  const handle = hub.subscribe(peer, doc);
  ws.on('close', () => hub.removePeer(peer));

  // Like y-websocket's server: our SyncStep1 first, then the awareness states we hold.
  peer.send(hub.frameSync('plain', handle, syncMessage(0, Y.encodeStateVector(handle.ydoc))));
  const states = hub.awarenessSnapshot(handle);
  if (states !== null) peer.send(hub.frameAwareness('plain', handle, states));

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    metrics.framesIn++;
    try {
      const bytes = rawToBytes(raw);
      metrics.bytesIn += bytes.byteLength;
      if (!isBinary) throw new ProtocolError(ErrorCode.BadFrame, 'text frames are not part of the protocol');
      const d = decoding.createDecoder(bytes);
      let kind: number;
      try {
        kind = decoding.readVarUint(d);
      } catch {
        throw new ProtocolError(ErrorCode.BadFrame, 'empty message');
      }
      switch (kind) {
        case FrameKind.Sync: {
          const { type, data } = readSyncMessage(decoding.readTailAsUint8Array(d));
          if (type === 0) {
            let diff: Uint8Array;
            try {
              diff = Y.encodeStateAsUpdate(handle.ydoc, data);
            } catch {
              throw new ProtocolError(ErrorCode.BadFrame, 'malformed state vector');
            }
            peer.send(hub.frameSync('plain', handle, syncMessage(1, diff)));
          } else {
            hub.submit(peer, handle, data);
          }
          return;
        }
        case FrameKind.Awareness: {
          let update: Uint8Array;
          try {
            update = decoding.readVarUint8Array(d);
          } catch {
            throw new ProtocolError(ErrorCode.BadFrame, 'malformed awareness message');
          }
          applyAwarenessChecked(hub, peer, handle, update);
          return;
        }
        case FrameKind.QueryAwareness: {
          const snapshot = hub.awarenessSnapshot(handle);
          if (snapshot !== null) peer.send(hub.frameAwareness('plain', handle, snapshot));
          return;
        }
        default:
          // [WIRE-PLAIN-4] Unknown message types are ignored, as y-websocket's own server does, so that newer
          // stock clients keep working.
          return;
      }
    } catch (err) {
      if (err instanceof ProtocolError) {
        metrics.badFrames++;
        log.info({ code: err.code, reason: err.message }, 'bad message');
        sender.close(CloseCode.ProtocolError, err.code);
      } else {
        log.error({ err }, 'message handler failed');
        sender.close(CLOSE_INTERNAL, ErrorCode.Internal);
      }
    }
  });
}

