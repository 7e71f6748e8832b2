/** The HTTP API (SPEC HTTP-*): each handler validates its input and calls a service; nothing here touches SQL. */
import type { Readable } from 'node:stream';
import { ErrorCode, isId, type UserId } from '@concord/protocol';
import type { AccountService } from '../auth/accounts.js';
import type { AccountDeletionDeps } from '../auth/deleteAccount.js';
import { exportStream, type ExportDeps } from './export.js';
import { ServiceError } from '../auth/errors.js';
import { normalizeUsername, usernameProblem } from '../auth/rules.js';
import type { SessionService } from '../auth/sessions.js';
import type { UserRepo } from '../db/users.js';
import type { AuthContext } from '../seams.js';
import type { BlobService } from './blobs.js';
import { BLOB_LINK_PATH, linkBlobHandler } from './blobLink.js';
import { optionalBoolean, optionalString, requiredString, requiredStringArray, type JsonObject } from './body.js';
import { MAX_GROUP_MEMBERS, type ConversationService } from './conversations.js';
import { HttpError, badRequest, notFound } from './errors.js';
import { parseRange } from './range.js';
import { addUploadRoutes } from './uploadRoutes.js';
import type { UploadService } from './uploads.js';
import { Router } from './router.js';
import { addPresenceRoutes, type PresenceSettings } from './presence.js';
import type { SocialGate } from './socialGate.js';
import { addSocialRoutes, type SocialRouteDeps } from './socialRoutes.js';

export interface Reply {
  readonly status: number;
  /** Omitted for 204. */
  readonly body?: unknown;
  /** Bytes instead of a JSON body (BLOB-2). */
  readonly binary?: BinaryBody;
}

export interface BinaryBody {
  readonly contentType: string;
  /** null: not known in advance (a generated stream, EXPORT-1), sent chunked. */
  readonly length: number | null;
  /** Beyond Content-Type and Content-Length (these replace the JSON answers' `Cache-Control: no-store`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Called once the handler has answered, and not for HEAD; a failure here is still a clean 500. */
  open(): Promise<Readable>;
}

export interface RequestContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The client's address, for rate limits. */
  readonly address: string;
  /** The caller's session; throws 401 if the request has no valid bearer token. */
  auth(): AuthContext;
  /** The raw bearer token (already checked by auth()). */
  bearer(): string;
  body(): Promise<JsonObject>;
  /** A request header (lowercase name); repeated ones joined as Node joins them. */
  header(name: string): string | undefined;
  /**
   * The raw body chunk by chunk, for endpoints that take bytes (BLOB-1): 413 `too_big` as soon as the declared or
   * received length passes `limit`, 400 if the client cuts it off.
   */
  rawBody(limit: number): AsyncIterable<Buffer>;
  /**
   * For a refusal before (or while) the raw body is read: the rest is read and dropped for a bounded time after the
   * answer, then the connection closes (body.ts lingerClose). A no-op once the whole body has arrived.
   */
  discardBody(): void;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface RouteDeps {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly users: UserRepo;
  readonly conversations: ConversationService;
  readonly blobs: BlobService;
  readonly uploads: UploadService;
  readonly deletion: AccountDeletionDeps;
  readonly exports: ExportDeps;
  readonly presence: PresenceSettings;
  readonly social: SocialRouteDeps & { readonly gate: SocialGate };
}

const BLOB_PATH = '/v1/conversations/:conversationId/blobs/:blobId';

export function buildRoutes(deps: RouteDeps): Router<Handler> {
  const { accounts, sessions, users, conversations, blobs, uploads, deletion, exports, social } = deps;
  // [BLOB-2] GET and HEAD answer the same headers; HEAD sends no bytes (the app does not open the file).
  const readBlob = (ctx: RequestContext): Reply => {
    const me = ctx.auth();
    const blob = blobs.get(me.userId, ctx.params['conversationId'] ?? '', ctx.params['blobId'] ?? '');
    const size = blob.row.size;
    const etag = `"${blob.row.blobId}"`;
    // [BLOB-6] One range of the bytes (a resumed download); the same headers otherwise.
    const range = parseRange(ctx.header('range'), size, ctx.header('if-range'), etag);
    if (range.kind === 'unsatisfiable') {
      throw new HttpError(416, ErrorCode.RangeNotSatisfiable, `BLOB-6: the blob has ${size} bytes`, { 'Content-Range': `bytes */${size}` });
    }
    const part = range.kind === 'partial' ? { start: range.start, end: range.end } : undefined;
    return {
      status: part === undefined ? 200 : 206,
      binary: {
        // [BLOB-4] The uploader chose `mime` (it stays in the blob's JSON and the message): the bytes are served as
        // an opaque download, so a link to them never renders HTML or SVG in this origin.
        contentType: 'application/octet-stream',
        length: part === undefined ? size : part.end - part.start + 1,
        headers: {
          'Content-Disposition': 'attachment',
          ETag: etag,
          // The id is the content's hash: the bytes at this URL never change; private, as they are the members' only.
          'Cache-Control': 'private, max-age=31536000, immutable',
          'Accept-Ranges': 'bytes',
          ...(part === undefined ? {} : { 'Content-Range': `bytes ${part.start}-${part.end}/${size}` }),
        },
        open: async () => (await blob.open(part)).stream,
      },
    };
  };
  const router = new Router<Handler>()
    .add('GET', '/healthz', () => ({ status: 200, body: { ok: true } }))
    .add('POST', '/v1/accounts', async (ctx) => {
      const body = await ctx.body();
      const issued = await accounts.register(
        {
          username: requiredString(body, 'username'),
          password: requiredString(body, 'password'),
          displayName: optionalString(body, 'displayName'),
          deviceName: optionalString(body, 'deviceName'),
        },
        ctx.address,
      );
      return {
        status: 201,
        body: { userId: issued.userId, deviceId: issued.deviceId, token: issued.token, expiresAt: issued.expiresAt },
      };
    })
    .add('POST', '/v1/sessions', async (ctx) => {
      const body = await ctx.body();
      const issued = await accounts.login(
        {
          username: requiredString(body, 'username'),
          password: requiredString(body, 'password'),
          deviceName: optionalString(body, 'deviceName'),
        },
        ctx.address,
      );
      return {
        status: 201,
        body: { userId: issued.userId, deviceId: issued.deviceId, token: issued.token, expiresAt: issued.expiresAt },
      };
    })
    .add('GET', '/v1/sessions', (ctx) => {
      const me = ctx.auth();
      const devices = sessions.list(me.userId).map((d) => ({
        deviceId: d.id,
        name: d.name,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        expiresAt: d.expiresAt,
        current: d.id === me.deviceId,
      }));
      return { status: 200, body: { devices } };
    })
    .add('POST', '/v1/sessions/refresh', (ctx) => {
      ctx.auth();
      const issued = sessions.refresh(ctx.bearer());
      if (issued === null) throw new ServiceError(ErrorCode.Unauthorized, 'session is not valid');
      return {
        status: 200,
        body: { userId: issued.userId, deviceId: issued.deviceId, token: issued.token, expiresAt: issued.expiresAt },
      };
    })
    .add('DELETE', '/v1/sessions/:deviceId', (ctx) => {
      const me = ctx.auth();
      const deviceId = ctx.params['deviceId'] ?? '';
      // Someone else's device and an unknown one get the same answer: device ids are not to be probed.
      if (!isId(deviceId) || !sessions.revoke(me.userId, deviceId)) throw notFound('no such device');
      return { status: 204 };
    })
    .add('GET', '/v1/me', (ctx) => {
      const me = ctx.auth();
      const user = users.byId(me.userId);
      if (user === null) throw new ServiceError(ErrorCode.Unauthorized, 'session is not valid');
      return {
        status: 200,
        body: {
          userId: user.id,
          username: user.username,
          displayName: user.displayName,
          deviceId: me.deviceId,
          createdAt: user.createdAt,
        },
      };
    })
    .add('GET', '/v1/me/export', (ctx) => {
      const me = ctx.auth();
      return {
        status: 200,
        binary: {
          contentType: 'application/json; charset=utf-8',
          length: null,
          headers: { 'Cache-Control': 'no-store', 'Content-Disposition': 'attachment; filename="concord-export.json"' },
          open: () => Promise.resolve(exportStream(exports, me.userId)),
        },
      };
    })
    .add('DELETE', '/v1/me', async (ctx) => {
      const me = ctx.auth();
      const body = await ctx.body();
      const report = await accounts.deleteAccount(me, requiredString(body, 'password'), ctx.address, deletion);
      return { status: 200, body: report };
    })
    .add('POST', '/v1/me/password', async (ctx) => {
      const me = ctx.auth();
      const body = await ctx.body();
      const revoked = await accounts.changePassword(
        me,
        {
          currentPassword: requiredString(body, 'currentPassword'),
          newPassword: requiredString(body, 'newPassword'),
          closeOtherSessions: optionalBoolean(body, 'closeOtherSessions') ?? false,
        },
        ctx.address,
      );
      return { status: 200, body: { revokedDevices: revoked.length } };
    })
    .add('GET', '/v1/users', (ctx) => {
      const me = ctx.auth();
      const raw = ctx.query.get('username');
      if (raw === null) throw badRequest('username query parameter is required');
      const username = normalizeUsername(raw);
      const user = usernameProblem(username) === null ? users.byUsername(username) : null;
      // [ACCOUNT-1] A deleted account's name stays taken but is not found; [PRIVACY-1] [BLOCK-2] nor is one that does
      // not let the caller find it (the same answer, so it never tells who blocked whom).
      if (user === null || (user.deletedAt ?? null) !== null || !social.gate.mayFindByUsername(me.userId, user.id)) throw notFound('no such user');
      return { status: 200, body: { userId: user.id, username: user.username, displayName: user.displayName } };
    })
    .add('POST', '/v1/conversations', async (ctx) => {
      const me = ctx.auth();
      const body = await ctx.body();
      const result = await conversations.create(me.userId as UserId, {
        kind: requiredString(body, 'kind'),
        members: requiredStringArray(body, 'members', MAX_GROUP_MEMBERS),
        title: optionalString(body, 'title'),
      });
      if (result.created) deps.presence.introduce(me.userId);
      // 201 when created; 200 with the existing id when the direct chat of this pair already existed.
      return { status: result.created ? 201 : 200, body: result };
    })
    .add('GET', '/v1/conversations', (ctx) => {
      const me = ctx.auth();
      return { status: 200, body: { conversations: conversations.listFor(me.userId) } };
    })
    .add('DELETE', '/v1/conversations/:conversationId/members/:userId', async (ctx) => {
      const me = ctx.auth();
      await conversations.removeMember(me.userId, ctx.params['conversationId'] ?? '', ctx.params['userId'] ?? '');
      return { status: 204 };
    })
    .add('POST', '/v1/conversations/:conversationId/leave', async (ctx) => {
      const me = ctx.auth();
      await conversations.leave(me.userId, ctx.params['conversationId'] ?? '');
      return { status: 204 };
    })
    .add('PUT', BLOB_PATH, async (ctx) => {
      try {
        const me = ctx.auth();
        const { created, blob } = await blobs.put(
          me.userId,
          ctx.params['conversationId'] ?? '',
          ctx.params['blobId'] ?? '',
          ctx.header('content-type'),
          (limit) => ctx.rawBody(limit),
        );
        // [BLOB-1] 201 for a new blob of this conversation; the same blob again is 200 with the same body.
        return { status: created ? 201 : 200, body: blob };
      } catch (err) {
        // A refused upload (401 to 404 before reading, 413 or a failure while reading) is not read to its end.
        ctx.discardBody();
        throw err;
      }
    })
    .add('POST', BLOB_LINK_PATH, linkBlobHandler(blobs, exports.blobs, exports.clock))
    .add('GET', BLOB_PATH, readBlob)
    .add('HEAD', BLOB_PATH, readBlob);
  return addSocialRoutes(addUploadRoutes(addPresenceRoutes(router, deps.presence), uploads), social);
}
