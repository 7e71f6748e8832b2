/**
 * Wires the server together: one SQLite file, the account services (db/, auth/, http/) and the sync service
 * (sync/), which meet only through the interfaces in seams.ts. `createServer` takes a plain options object and
 * reads no environment; several servers can run in one process (tests do).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as stream from 'node:stream';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { AccountService } from './auth/accounts.js';
import { MembershipAccessPolicy } from './auth/access.js';
import { SessionEventEmitter } from './auth/events.js';
import { resolveScryptParams } from './auth/password.js';
import { LoginLimiter, RegistrationLimiter } from './auth/rateLimit.js';
import { SessionService } from './auth/sessions.js';
import {
  DEFAULT_HOST,
  DEFAULT_MAX_BLOB_BYTES,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  DEFAULT_SESSION_SWEEP_MS,
  DEFAULT_TOKEN_TTL_MS,
  type Clock,
  type ServerOptions,
} from './config.js';
import { BlobFiles } from './db/blobFiles.js';
import { BlobRepo } from './db/blobs.js';
import { BlobParts } from './db/blobParts.js';
import { UploadRepo } from './db/blobUploads.js';
import { ConversationRepo } from './db/conversations.js';
import { DeviceRepo } from './db/devices.js';
import { openDatabase } from './db/open.js';
import { startCheckpointer } from './db/checkpointer.js';
import { UserRepo } from './db/users.js';
import { createApp } from './http/app.js';
import { BlobService, DEFAULT_BLOB_QUOTA } from './http/blobs.js';
import { createStaticHandler } from './http/static.js';
import { DEFAULT_UPLOAD_LIMITS, UploadService } from './http/uploads.js';
import { ConversationService, DEFAULT_CONVERSATION_LIMITS } from './http/conversations.js';
import { buildRoutes } from './http/routes.js';
import { ContactService } from './http/contacts.js';
import { GroupService } from './http/groups.js';
import { Mirror } from './http/mirror.js';
import { ProfileService } from './http/profiles.js';
import { SocialGate } from './http/socialGate.js';
import { GroupRepo } from './db/groups.js';
import { SocialRepo } from './db/social.js';
import { createBlockRule } from './trust/blocks.js';
import { createLogger } from './log.js';
import type { AccessPolicy, SyncService } from './seams.js';
import { DocCatalog } from './sync/docStore.js';
import { createSyncService, type SyncServiceInternals } from './sync/index.js';

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (`https://` with TLS-1), with `localhost` for a wildcard host. */
  readonly url: string;
}

export interface ConcordServer {
  readonly httpServer: http.Server;
  readonly db: Database.Database;
  readonly logger: Logger;
  readonly sync: SyncService;
  readonly sessions: SessionService;
  readonly accounts: AccountService;
  readonly conversations: ConversationService;
  readonly access: AccessPolicy;
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  /** Starts listening on the configured host and port (0 = any free port). */
  listen(): Promise<ListeningAddress>;
  /** Stops accepting, waits for requests in flight (bounded), closes the sync service (flush), then the database. */
  close(): Promise<void>;
}

/** How long close() waits for HTTP requests in flight before closing the database under them. */
const DRAIN_TIMEOUT_MS = 5000;

export function createServer(options: ServerOptions): ConcordServer {
  const logger = options.logger ?? createLogger('info');
  const clock: Clock = options.clock ?? Date.now;
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const tokenTtlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  const sessionSweepMs = options.sessionSweepMs ?? DEFAULT_SESSION_SWEEP_MS;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${port}`);
  if (!(tokenTtlMs > 0)) throw new RangeError('tokenTtlMs must be positive');
  if (!(maxBodyBytes > 0)) throw new RangeError('maxBodyBytes must be positive');
  if (!(maxBlobBytes > 0)) throw new RangeError('maxBlobBytes must be positive');
  if (!(sessionSweepMs > 0)) throw new RangeError('sessionSweepMs must be positive');
  const scrypt = resolveScryptParams(options.scrypt);
  const loginLimiter = new LoginLimiter(clock, options.loginLimits);
  const registrationLimiter = new RegistrationLimiter(clock, options.registrationLimits);

  const db = openDatabase(options.dataDir);
  const users = new UserRepo(db);
  const devices = new DeviceRepo(db);
  const conversationRepo = new ConversationRepo(db);
  const events = new SessionEventEmitter(logger);
  const sessions = new SessionService(devices, events, clock, tokenTtlMs);
  const catalog = new DocCatalog(db);
  const access = new MembershipAccessPolicy(users, conversationRepo, catalog);
  const accounts = new AccountService({ db, users, sessions, loginLimiter, registrationLimiter, scrypt, clock });
  let blobFiles: BlobFiles;
  let uploads: UploadService;
  let blobs: BlobService;
  const blobRepo = new BlobRepo(db);
  try {
    blobFiles = new BlobFiles(options.dataDir);
    const uploadRepo = new UploadRepo(db);
    blobs = new BlobService(conversationRepo, blobRepo, blobFiles, clock, maxBlobBytes, { ...DEFAULT_BLOB_QUOTA, ...options.blobQuota }, (user) =>
      uploadRepo.openOf(user).bytes,
    );
    uploads = new UploadService(uploadRepo, new BlobParts(options.dataDir), blobFiles, blobs, clock, { ...DEFAULT_UPLOAD_LIMITS, ...options.uploadLimits });
  } catch (err) {
    db.close();
    throw err;
  }
  // [BLOB-7] Files a crash left between rename and row; under the commit lock, so uploads may run meanwhile.
  blobs.sweepUnheldFiles().then(
    (n) => (n > 0 ? logger.info({ removed: n }, 'removed blob files no conversation holds') : undefined),
    (err: unknown) => logger.error({ err }, 'blob file sweep failed'),
  );

  let sync: SyncServiceInternals;
  try {
    sync = createSyncService({
      db,
      logger,
      authenticator: sessions,
      access,
      sessions: events,
      ...(options.syncLimits === undefined ? {} : { limits: options.syncLimits }),
      ...(options.trust === undefined ? {} : { trust: options.trust }),
      ...(options.presenceGraceMs === undefined ? {} : { presenceGraceMs: options.presenceGraceMs }),
      ...(options.presence === false ? { presence: false } : {}),
      // [BLOCK-3] with the trust rules: the validation bench (trust off) measures the relay without them.
      ...(options.trust === false ? {} : { extraRules: [createBlockRule(db)] }),
    });
  } catch (err) {
    db.close();
    throw err;
  }
  const social = new SocialRepo(db);
  const gate = new SocialGate(social);
  const mirror = new Mirror({
    users,
    conversations: conversationRepo,
    groups: new GroupRepo(db),
    social,
    docs: sync,
    clock,
    segments: { loadedSegments: (id) => sync.loadedSegments(id) },
  });
  const conversations = new ConversationService(
    { users, conversations: conversationRepo, mirror, gate, clock },
    { ...DEFAULT_CONVERSATION_LIMITS, ...options.conversationLimits },
  );
  const socialRoutes = {
    gate,
    groups: new GroupService({ users, conversations: conversationRepo, groups: new GroupRepo(db), blobs: blobRepo, service: conversations, mirror, gate, clock }),
    contacts: new ContactService({ users, social, gate, mirror, clock }),
    profiles: new ProfileService({ files: blobFiles, users, social, gate, mirror }),
  };
  // [DUR-5] WAL checkpoints in a worker thread, not inside a group commit.
  const checkpointer = startCheckpointer(db, (err) => logger.warn({ err }, 'checkpoint worker'));
  // [AUTH-WS-4] sockets of sessions that expire while open are closed like revoked ones.
  const stopSweep = sessions.startExpirySweep(
    sessionSweepMs,
    (err) => logger.error({ err }, 'session sweep failed'),
    (deviceId) => sync.isConnected(deviceId),
  );

  // [BLOB-5] Uploads no message refers to are collected after their grace period. Only with the trust rules on: they
  // record the references (a bench without them would see every upload as unreferenced). [UPLOAD-4] Expired upload
  // sessions go on the same tick, whatever the trust rules.
  const collectTimer = setInterval(() => {
    if (options.trust !== false) blobs.collect().catch((err: unknown) => logger.error({ err }, 'blob collection failed'));
    uploads.collect().catch((err: unknown) => logger.error({ err }, 'upload session collection failed'));
  }, options.blobCollectMs ?? 10 * 60_000);
  collectTimer.unref();

  const app = createApp({
    router: buildRoutes({
      accounts,
      sessions,
      users,
      conversations,
      blobs,
      uploads,
      deletion: { users, devices, sessions, conversations, docs: sync, clock },
      presence: {
        visibility: (userId) => sync.presenceStore.visibility(userId),
        setVisibility: (userId, v) => {
          const before = sync.presenceStore.visibility(userId);
          sync.presenceStore.setVisibility(userId, v);
          sync.presence.visibilityChanged(userId, before);
        },
        introduce: (userId) => sync.presence.introduce(userId),
      },
      exports: {
        users,
        sessions,
        conversations,
        blobs: blobRepo,
        docs: sync,
        segmentDocs: (id) => catalog.segmentDocs(id),
        clock,
      },
      social: socialRoutes,
    }),
    sessions,
    logger: logger.child({ part: 'http' }),
    maxBodyBytes,
  });

  const inFlight = new Set<Promise<void>>();
  let closing: Promise<void> | null = null;

  // The web client's build, when configured, is served from the same origin as the API (SPEC.md §9 WEB-SERVE-1).
  const serveStatic = options.staticDir === undefined ? null : createStaticHandler(options.staticDir);
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> =>
    serveStatic === null
      ? app(req, res)
      : serveStatic(req, res).then(
          (handled) => (handled ? undefined : app(req, res)),
          (err: unknown) => {
            logger.error({ err }, 'static file failed');
            if (!res.headersSent) res.writeHead(500);
            res.end();
          },
        );

  // Node checks the request timeout only this often (default 30 s): a shorter timeout needs a shorter interval.
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const connectionsCheckingInterval = Math.max(100, Math.min(30_000, Math.floor(requestTimeoutMs / 4)));
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const done = handle(req, res).finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  // [TLS-1] HTTPS serves the same listener and upgrades (WSS) as HTTP: https.Server is an http.Server over TLS.
  const httpServer: http.Server =
    options.tls === undefined
      ? http.createServer({ connectionsCheckingInterval }, listener)
      : https.createServer({ cert: options.tls.cert, key: options.tls.key, connectionsCheckingInterval }, listener);
  // Slow-loris bounds: headers within 20 s, a whole request within 30 s (resumable uploads send chunks that fit).
  httpServer.requestTimeout = requestTimeoutMs;
  httpServer.headersTimeout = Math.min(20_000, requestTimeoutMs);

  httpServer.on('upgrade', (req: http.IncomingMessage, socket: stream.Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.debug({ err }, 'upgrade socket error'));
    if (closing !== null) {
      socket.destroy();
      return;
    }
    try {
      if (sync.handleUpgrade(req, socket, head)) return;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } catch (err) {
      logger.error({ err }, 'upgrade failed');
      socket.destroy();
    }
  });

  let address: ListeningAddress | null = null;

  return {
    httpServer,
    db,
    logger,
    sync,
    sessions,
    accounts,
    conversations,
    access,
    blobs,
    uploads,

    listen() {
      return new Promise<ListeningAddress>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        httpServer.once('error', onError);
        httpServer.listen(port, host, () => {
          httpServer.off('error', onError);
          const bound = httpServer.address();
          const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
          const scheme = options.tls === undefined ? 'http' : 'https';
          address = { host, port: boundPort, url: `${scheme}://${shownHost}:${boundPort}` };
          logger.info({ url: address.url, host, port: boundPort, dataDir: options.dataDir }, 'listening');
          resolve(address);
        });
      });
    },

    close() {
      closing ??= (async () => {
        stopSweep();
        clearInterval(collectTimer);
        const stopped = new Promise<void>((resolve) => {
          if (!httpServer.listening) {
            resolve();
            return;
          }
          httpServer.close(() => resolve());
        });
        httpServer.closeIdleConnections();
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS).unref()),
        ]);
        try {
          await sync.close();
        } finally {
          httpServer.closeAllConnections();
          await stopped;
          await checkpointer.stop();
          db.close();
          logger.info('closed');
        }
      })();
      return closing;
    },
  };
}
