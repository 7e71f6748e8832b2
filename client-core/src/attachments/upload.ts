/**
 * One attachment's upload (ATTACH-1 over BLOB-1, UPLOAD-1..4). Small blobs go in one PUT. Larger ones go through a
 * resumable session, chunk by chunk: the server acknowledges each chunk only once it is durable, so a link lost
 * half-way (or an app or server restarted) costs at most the chunk in flight. The session id is kept in the upload
 * record, so a restarted app asks the server where it stands and goes on from there.
 */
import { blobPath, parseUploadState, type UploadState } from '@concord/protocol';
import { ClientErrorCode } from '../errors.js';
import type { AttachmentSource, NextTurn } from './ingest.js';
import type { AttachmentStore, PendingUpload } from './store.js';
import type { Wire, WireAnswer } from './wire.js';

/** The end of one attempt: the HTTP status that decided it (0: unreachable), with the refusal's code and message. */
export interface UploadOutcome {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export const CANCELLED: UploadOutcome = { status: 0, code: ClientErrorCode.Cancelled, message: 'the upload was cancelled' };

export interface UploadContext {
  readonly wire: Wire;
  readonly store: AttachmentStore;
  /** The largest chunk this device sends (the server may ask for smaller: `maxChunkBytes`). */
  readonly chunkBytes: number;
  /** Blobs up to this size go in one PUT (BLOB-1). */
  readonly resumableAbove: number;
  readonly progress: (done: number, total: number) => void;
  /** Checked before every chunk: true stops the upload there (ATTACH-5). */
  readonly cancelled: () => boolean;
  readonly nextTurn?: NextTurn;
}

/** How often one attempt follows the server to another offset (409) or opens a new session (404) before it stops. */
const MAX_RESYNCS = 3;

export async function uploadOne(ctx: UploadContext, p: PendingUpload, source: AttachmentSource): Promise<UploadOutcome> {
  if (p.size <= ctx.resumableAbove) return putWhole(ctx, p, source);
  const base = `/v1/conversations/${p.conversationId}/uploads`;
  let state: UploadState | null = null;
  if (p.uploadId !== undefined) {
    const a = await ctx.wire.send('GET', `${base}/${p.uploadId}`);
    if (a.status === 404) await ctx.store.updateUpload(p.conversationId, p.blobId, { uploadId: null });
    else if (isOk(a)) state = parseUploadState(a.json);
    else return outcome(a);
  }
  let resyncs = 0;
  for (;;) {
    if (state === null) {
      const a = await ctx.wire.send('POST', base, { blobId: p.blobId, size: p.size, mime: p.mime });
      // A server without resumable uploads (an older one) does not know the route: one PUT, as before.
      if (a.status === 404 || a.status === 405) return putWhole(ctx, p, source);
      if (!isOk(a)) return outcome(a);
      state = parseUploadState(a.json);
      if (state === null) return badResponse();
      if (state.state === 'open') await ctx.store.updateUpload(p.conversationId, p.blobId, { uploadId: state.uploadId });
    }
    if (state.state === 'done') {
      ctx.progress(p.size, p.size);
      return { status: 200, code: '', message: '' };
    }
    const open: Extract<UploadState, { state: 'open' }> = state;
    if (open.size !== p.size || open.blobId !== p.blobId) return badResponse();
    ctx.progress(open.offset, p.size);
    if (ctx.cancelled()) return CANCELLED;
    const length = Math.min(ctx.chunkBytes, open.maxChunkBytes, p.size - open.offset);
    const bytes = await source.read(open.offset, length);
    if (bytes.byteLength !== length) throw new Error(`read ${bytes.byteLength} of ${length} bytes at offset ${open.offset}`);
    const a = await ctx.wire.send('PUT', `${base}/${open.uploadId}?offset=${open.offset}`, bytes);
    await ctx.nextTurn?.();
    if (isOk(a)) {
      state = parseUploadState(a.json);
      if (state === null) return badResponse();
      continue;
    }
    if ((a.status === 409 || a.status === 404) && resyncs++ < MAX_RESYNCS) {
      // 409: the server holds another offset (an answer lost on the way); 404: the session expired. Ask, or start again.
      if (a.status === 404) await ctx.store.updateUpload(p.conversationId, p.blobId, { uploadId: null });
      const s = a.status === 409 ? await ctx.wire.send('GET', `${base}/${open.uploadId}`) : null;
      state = s !== null && isOk(s) ? parseUploadState(s.json) : null;
      continue;
    }
    return outcome(a);
  }
}

/** [BLOB-1] The whole blob in one PUT. */
async function putWhole(ctx: UploadContext, p: PendingUpload, source: AttachmentSource): Promise<UploadOutcome> {
  ctx.progress(0, p.size);
  if (ctx.cancelled()) return CANCELLED;
  const bytes = await source.read(0, p.size);
  const a = await ctx.wire.send('PUT', blobPath(p.conversationId, p.blobId), bytes, { 'content-type': p.mime });
  if (isOk(a)) ctx.progress(p.size, p.size);
  return outcome(a);
}

function isOk(a: WireAnswer): boolean {
  return a.status >= 200 && a.status < 300;
}

function outcome(a: WireAnswer): UploadOutcome {
  return { status: a.status, code: a.code, message: a.message };
}

/** An answer of another shape than the protocol's: a server error as far as retrying goes. */
function badResponse(): UploadOutcome {
  return { status: 502, code: 'bad_response', message: 'the server answered an upload with an unexpected body' };
}
