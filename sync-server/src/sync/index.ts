/**
 * The sync side of the server: `createSyncService` wires the doc store, the hub and both WebSocket endpoints, and
 * runs the heartbeat and the revocation listener. server.ts offers it every HTTP upgrade.
 */
import type * as http from 'node:http';
import type * as stream from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type * as Y from 'yjs';
import { CloseCode, isDocName, parseDocName, segmentDocName, type DeviceId, type DocName, type UserId } from '@concord/protocol';
import type { Peer } from './peer.js';
import type { SyncService, SyncServiceOptions } from '../seams.js';
import { DocCatalog, DocStore } from './docStore.js';
import { SyncHub } from './hub.js';
import { resolveLimits, type SyncLimits } from './limits.js';
import { createMetrics, type SyncMetrics } from './metrics.js';
import { serveMultiplexed, type EndpointDeps } from './multiplexed.js';
import { servePlain } from './plain.js';
import type { UpdateRule } from './validate.js';
import { createTrust, type TrustLimits } from '../trust/index.js';
import { PresenceService } from '../presence/service.js';
import { PresenceStore } from '../presence/store.js';

export { DEFAULT_SYNC_LIMITS } from './limits.js';
export type { SyncLimits } from './limits.js';
export type { SyncMetrics } from './metrics.js';
export type { UpdateRule, Refusal, ValidationContext, DecodedUpdate } from './validate.js';

export const SYNC_PATH = '/v1/sync';
export const PLAIN_PATH_PREFIX = '/v1/doc/';

/** What the sync service offers beyond the seam: counters for the bench and logs, and test hooks. */
export interface SyncServiceInternals extends SyncService {
  metrics(): SyncMetrics;
  readonly limits: SyncLimits;
  /** Docs currently in memory. */
  loadedDocs(): number;
  /** Whether a doc is in memory. */
  isLoaded(doc: DocName): boolean;
  /** A conversation's segments k >= 1 in memory: the ones a membership change re-checks (http/conversations.ts). */
  loadedSegments(conversationId: string): DocName[];
  /** Whether a device has an open socket on either endpoint (an open socket keeps its session alive, AUTH-WS-4). */
  isConnected(deviceId: DeviceId): boolean;
  /** Stored tail length of a doc (compaction tests). */
  tailLength(doc: DocName): number;
  /** The server cursor (newest stored seq). */
  cursor(): number;
  /** [PRES-1..4] Who is online, pushed to who may see it. */
  readonly presence: PresenceService;
  readonly presenceStore: PresenceStore;
}

export interface SyncServiceExtraOptions {
  /** The trust issue's ownership rules, run after the structural and server-only-root checks. */
  readonly extraRules?: readonly UpdateRule[];
  /**
   * The trust rules (TRUST-*, trust/) are on by default; pass limits to tune them, or false to switch them off
   * (only the validation bench does, to measure their cost).
   */
  readonly trust?: Partial<TrustLimits> | false;
  /** [PRES-1] How long after a user's last socket closed they still count as online (default 5 s). */
  readonly presenceGraceMs?: number;
  /** [PRES-4] false: no presence at all (only the bench measuring its cost sets it). */
  readonly presence?: boolean;
}

export function createSyncService(opts: SyncServiceOptions & SyncServiceExtraOptions): SyncServiceInternals {
  const limits = resolveLimits(opts.limits);
  const metrics = createMetrics();
  const logger = opts.logger.child({ part: 'sync' });
  const store = new DocStore(opts.db);
  const trust = opts.trust === false ? null : createTrust({ db: opts.db, access: opts.access, ...(opts.trust ? { limits: opts.trust } : {}) });
  // The hub reports users coming and going before the presence service exists: it is bound just below.
  let presence: PresenceService | null = null;
  const hub = new SyncHub({
    store,
    access: opts.access,
    limits,
    metrics,
    logger,
    // The trust rule goes last: it binds client ids only for updates every other rule accepted.
    extraRules: [...(opts.extraRules ?? []), ...(trust?.rules ?? [])],
    ...(trust ? { admission: trust.admission, inCommit: () => trust.inCommit(), awarenessRule: trust.awarenessRule, beforeServerWrite: trust.beforeServerWrite, afterFlush: trust.afterFlush } : {}),
    ...(opts.presence === false ? {} : { onUserSockets: (userId: UserId, online: boolean) => presence?.socketsChanged(userId, online) }),
  });
  const presenceStore = new PresenceStore(opts.db);
  presence = new PresenceService({
    store: presenceStore,
    peersOf: (userId) => hub.muxPeersOfUser(userId),
    connected: (userId) => hub.userConnected(userId),
    ...(opts.presenceGraceMs === undefined ? {} : { offlineGraceMs: opts.presenceGraceMs }),
  });
  const presenceService = presence;
  // Sockets authenticated by ?token= that have not said HELLO yet, per device (AUTH-WS-5).
  const unwelcomed = new Map<DeviceId, Set<() => void>>();
  const watchUnwelcomed = (deviceId: DeviceId, close: () => void): (() => void) => {
    let set = unwelcomed.get(deviceId);
    if (set === undefined) unwelcomed.set(deviceId, (set = new Set()));
    set.add(close);
    return () => {
      set.delete(close);
      if (set.size === 0 && unwelcomed.get(deviceId) === set) unwelcomed.delete(deviceId);
    };
  };
  // [SEG-8] A segment k >= 1 exists to subscribe to only if loaded, stored, or its predecessor is (the next segment a
  // device writes into): subscriptions to far-off segments would each load an empty doc (100,000 took 340 MB).
  const catalog = new DocCatalog(opts.db);
  const segmentOpenable = (doc: DocName): boolean => {
    const p = parseDocName(doc);
    if (p === null || p.kind !== 'conv' || p.segment <= 1 || hub.isLoaded(doc)) return true;
    const previous = segmentDocName(p.conversationId, p.segment - 1);
    return hub.isLoaded(previous) || catalog.exists(doc) || catalog.exists(previous);
  };
  const deps: EndpointDeps = {
    hub,
    authenticator: opts.authenticator,
    watchUnwelcomed,
    segmentOpenable,
    ...(opts.presence === false ? {} : { welcomed: (peer: Peer) => presenceService.welcomed(peer) }),
    limits,
    metrics,
    logger,
  };
  // noServer: server.ts owns the HTTP server and routes upgrades; ws enforces maxPayload by closing with 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false });
  const alive = new Map<WebSocket, boolean>();
  let closed = false;

  // [HB-1] a peer that did not answer the previous ping by the next tick is terminated and freed.
  const heartbeat = setInterval(() => {
    for (const [ws, ok] of alive) {
      if (!ok) {
        metrics.heartbeatTerminations++;
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, limits.heartbeatIntervalMs);
  heartbeat.unref();

  // [AUTH-WS-3] [AUTH-WS-5] a revoked, rotated or expired session's sockets close at once with 4401, welcomed or not.
  const stopRevoked = opts.sessions.onRevoked((deviceId) => {
    for (const peer of hub.peersOfDevice(deviceId)) peer.close(CloseCode.Unauthorized, 'session ended');
    for (const close of [...(unwelcomed.get(deviceId) ?? [])]) close();
  });

  const accept = (ws: WebSocket, url: URL): void => {
    metrics.connectionsOpened++;
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (err) => logger.info({ err: err.message }, 'socket error'));
    ws.on('close', () => alive.delete(ws));
    const token = url.searchParams.get('token');
    if (url.pathname === SYNC_PATH) serveMultiplexed(ws, token, deps);
    else servePlain(ws, url.pathname.slice(PLAIN_PATH_PREFIX.length), token, deps);
  };

  return {
    limits,
    handleUpgrade(req: http.IncomingMessage, socket: stream.Duplex, head: Buffer): boolean {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        return false;
      }
      if (url.pathname !== SYNC_PATH && !url.pathname.startsWith(PLAIN_PATH_PREFIX)) return false;
      if (closed) {
        socket.destroy();
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          accept(ws, url);
        } catch (err) {
          logger.error({ err }, 'accepting a socket failed');
          ws.terminate();
        }
      });
      return true;
    },

    async transact(doc: DocName, change: (ydoc: Y.Doc) => void): Promise<void> {
      if (!isDocName(doc)) throw new TypeError(`invalid doc name ${doc}`);
      hub.transact(doc, change);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      stopRevoked();
      // Client-id bindings of this turn first: they must not be less durable than the updates they cover (TRUST-6).
      trust?.registry.flush();
      hub.flush();
      const sockets = [...alive.keys()];
      const gone = sockets.map((ws) => new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) resolve();
        else ws.once('close', () => resolve());
      }));
      for (const ws of sockets) ws.close(CloseCode.GoingAway, 'server shutting down');
      // Peers that do not finish the close handshake promptly are cut off: shutdown must not hang on them.
      const cutoff = setTimeout(() => {
        for (const ws of sockets) ws.terminate();
      }, 1_000);
      await Promise.all(gone);
      clearTimeout(cutoff);
      hub.close();
      presenceService.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },

    metrics: () => ({ ...metrics }),
    loadedDocs: () => hub.loadedDocs(),
    isLoaded: (doc) => hub.isLoaded(doc),
    loadedSegments: (conversationId) => hub.loadedSegments(conversationId),
    isConnected: (deviceId) => hub.peersOfDevice(deviceId).length > 0,
    tailLength: (doc) => store.tailLength(doc),
    cursor: () => store.cursor(),
    presence: presenceService,
    presenceStore,
  };
}
