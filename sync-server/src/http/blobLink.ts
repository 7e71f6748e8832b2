/**
 * [ACT-8] Forwarding an attachment without its bytes: `POST /v1/conversations/:to/blobs/:blobId/link` with
 * `{from}` gives the conversation `to` a row for a blob that `from` holds, both conversations the caller's (AUTHZ-2).
 * The file is shared by content (BLOB-1's storage), so nothing is copied; the new row waits for its message like an
 * upload (BLOB-5: it counts as the caller's until a stored message of `to` refers to it, and is forgotten after the
 * grace period otherwise).
 *
 * Checks, in order: token 401; ids 400; `from` exists 404, caller a member 403, holds the blob 404 (BlobService.get,
 * as a read of it would); `to`: caller a member 403 (an unknown conversation is answered like one the caller is not
 * in, so ids are not probed). The read of `from` and the insert into `to` run without a turn of the event loop
 * between them, so the blob collector (which forgets rows, then removes files no row holds) cannot take the file
 * in between.
 */
import { ErrorCode, isId, type ConversationId, type UserId } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';
import type { BlobRepo } from '../db/blobs.js';
import type { BlobService } from './blobs.js';
import { requiredString } from './body.js';
import { badRequest } from './errors.js';
import type { Handler } from './routes.js';

export const BLOB_LINK_PATH = '/v1/conversations/:conversationId/blobs/:blobId/link';

export function linkBlobHandler(blobs: BlobService, repo: BlobRepo, clock: () => number): Handler {
  return async (ctx) => {
    const me = ctx.auth();
    const body = await ctx.body();
    const from = requiredString(body, 'from');
    const to = ctx.params['conversationId'] ?? '';
    const blobId = ctx.params['blobId'] ?? '';
    if (!isId(to)) throw badRequest('conversationId must be an id');
    // Checks `from` and the blob id, and that the caller may read the blob there.
    const source = blobs.get(me.userId as UserId, from, blobId).row;
    const added = repo.add({ ...source, conversationId: to as ConversationId, uploadedBy: me.userId as UserId, createdAt: clock() });
    if (added === null) throw new ServiceError(ErrorCode.Forbidden, 'not a member of the target conversation');
    return { status: added.created ? 201 : 200, body: { blobId: added.row.blobId, size: added.row.size, mime: added.row.mime } };
  };
}
