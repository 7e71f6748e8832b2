/**
 * Attachment bytes and pending uploads in the storage kv (ATTACH-1, ATTACH-2):
 *
 * - `blob:<conversationId>/<blobId>`: the bytes, this device's copy (sent from here, or fetched once).
 * - `upload:<conversationId>/<blobId>`: `{mime, size}` while the bytes still have to go to the server.
 * - `bpart:<conversationId>/<stage>/<index>` and `bref:<conversationId>/<blobId>` (ATTACH-3): an attachment larger
 *   than one chunk is written chunk by chunk under a random stage id while it is read and hashed (its blob id is only
 *   known at the end); `bref` then names the stage, `{stage, parts, size}`. No single write holds the whole file, so
 *   no transaction of 25 MiB blocks the device. Parts of a stage no `bref` names (an ingest cut off by a crash) are
 *   swept on the next upload round.
 *
 * - `bdl:<conversationId>/<blobId>` (ATTACH-6): a download in progress, `{stage, parts, size, partBytes}`: the parts
 *   received so far (checked against the blob id only when all are there), so a download cut off goes on from there.
 *
 * An upload record also carries the server's resumable session (`uploadId`, UPLOAD-1) once one is open, so an app
 * restarted mid-upload resumes it, and a `failure` once it was given up or cancelled (ATTACH-5): such a record is not
 * uploaded until the user retries it.
 *
 * Keys are per conversation, so MEMBER-1's deletion finds everything of one conversation by prefix, and the same
 * bytes sent twice into one conversation are one blob and one upload. `wipeLocalData` (logout, another account)
 * removes these with every other kv key.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import { isId, type ConversationId } from '@concord/protocol';
import { isBlobId } from './blobs.js';
import { bytesSource, type AttachmentSource } from './ingest.js';

export const BLOB_KEY_PREFIX = 'blob:';
export const UPLOAD_KEY_PREFIX = 'upload:';
export const PART_KEY_PREFIX = 'bpart:';
export const REF_KEY_PREFIX = 'bref:';
export const DOWNLOAD_KEY_PREFIX = 'bdl:';

function partKey(conversationId: ConversationId, stage: string, index: number): string {
  // Zero-padded so the kv's key order is the parts' order.
  return `${PART_KEY_PREFIX}${conversationId}/${stage}/${String(index).padStart(6, '0')}`;
}

function refKey(conversationId: ConversationId, blobId: string): string {
  return `${REF_KEY_PREFIX}${conversationId}/${blobId}`;
}

interface PartsRef {
  readonly stage: string;
  readonly parts: number;
  readonly size: number;
  /** The size of every part but the last (absent in refs written before ATTACH-6: read from part 0). */
  readonly partBytes?: number;
}

/** [ATTACH-6] A download in progress: `parts` parts of `partBytes` (the last may be shorter) are stored under `stage`. */
export interface DownloadProgress {
  readonly stage: string;
  readonly parts: number;
  readonly size: number;
  readonly partBytes: number;
}

function downloadKey(conversationId: ConversationId, blobId: string): string {
  return `${DOWNLOAD_KEY_PREFIX}${conversationId}/${blobId}`;
}

/** [ATTACH-5] Why an upload stopped for good (a final refusal, or `cancelled` by the user). */
export interface UploadFailure {
  readonly code: string;
  readonly message: string;
  /** The HTTP status (0: none, e.g. cancelled). */
  readonly status: number;
}

export function blobKey(conversationId: ConversationId, blobId: string): string {
  return `${BLOB_KEY_PREFIX}${conversationId}/${blobId}`;
}

export function uploadKey(conversationId: ConversationId, blobId: string): string {
  return `${UPLOAD_KEY_PREFIX}${conversationId}/${blobId}`;
}

export interface PendingUpload {
  readonly conversationId: ConversationId;
  readonly blobId: string;
  readonly mime: string;
  readonly size: number;
  /** [UPLOAD-1] The server's resumable session, once one is open. */
  readonly uploadId?: string;
  /** [ATTACH-5] Set when given up or cancelled: not uploaded until retried. */
  readonly failure?: UploadFailure;
}

type UploadRecord = Omit<PendingUpload, 'conversationId' | 'blobId'>;

export class AttachmentStore {
  constructor(private readonly storage: StorageAdapter) {}

  /**
   * The bytes and their pending upload, durable before this resolves: the caller writes the message only after
   * it, so a message of this device never names bytes this device lost.
   */
  async putOwn(conversationId: ConversationId, blobId: string, bytes: Uint8Array, mime: string): Promise<void> {
    await this.storage.setKv(blobKey(conversationId, blobId), bytes);
    const record = JSON.stringify({ mime, size: bytes.byteLength });
    await this.storage.setKv(uploadKey(conversationId, blobId), new TextEncoder().encode(record));
    await this.storage.flush();
  }

  /** A blob that fits one chunk, in one write (ATTACH-3: no stage needed). */
  async putWhole(conversationId: ConversationId, blobId: string, bytes: Uint8Array): Promise<void> {
    await this.storage.setKv(blobKey(conversationId, blobId), bytes);
  }

  /** One chunk of a staged blob (ATTACH-3). */
  async putPart(conversationId: ConversationId, stage: string, index: number, bytes: Uint8Array): Promise<void> {
    await this.storage.setKv(partKey(conversationId, stage, index), bytes);
  }

  /** The staged parts are the blob's bytes from now on. */
  async commitParts(conversationId: ConversationId, blobId: string, stage: string, parts: number, size: number, partBytes?: number): Promise<void> {
    const ref: PartsRef = { stage, parts, size, ...(partBytes === undefined ? {} : { partBytes }) };
    await this.storage.setKv(refKey(conversationId, blobId), new TextEncoder().encode(JSON.stringify(ref)));
  }

  /** Drop a stage's parts (an ingest that failed, or bytes this device already had). */
  async dropStage(conversationId: ConversationId, stage: string): Promise<void> {
    for (const key of await this.storage.listKv(`${PART_KEY_PREFIX}${conversationId}/${stage}/`)) await this.storage.deleteKv(key);
  }

  async has(conversationId: ConversationId, blobId: string): Promise<boolean> {
    return (await this.storage.listKv(blobKey(conversationId, blobId))).includes(blobKey(conversationId, blobId)) ||
      (await this.storage.listKv(refKey(conversationId, blobId))).includes(refKey(conversationId, blobId));
  }

  /** Record a pending upload of bytes already stored, durable before this resolves (see putOwn). */
  async markPending(conversationId: ConversationId, blobId: string, mime: string, size: number): Promise<void> {
    const record = JSON.stringify({ mime, size });
    await this.storage.setKv(uploadKey(conversationId, blobId), new TextEncoder().encode(record));
    await this.storage.flush();
  }

  /** The bytes: one value, or the parts a `bref` names glued together; undefined when missing or incomplete. */
  async bytes(conversationId: ConversationId, blobId: string): Promise<Uint8Array | undefined> {
    const whole = await this.storage.getKv(blobKey(conversationId, blobId));
    if (whole !== undefined) return whole;
    const refBytes = await this.storage.getKv(refKey(conversationId, blobId));
    const ref = refBytes === undefined ? null : parseRef(refBytes);
    if (ref === null) return undefined;
    const out = new Uint8Array(ref.size);
    let at = 0;
    for (let i = 0; i < ref.parts; i++) {
      const part = await this.storage.getKv(partKey(conversationId, ref.stage, i));
      if (part === undefined || at + part.byteLength > ref.size) return undefined;
      out.set(part, at);
      at += part.byteLength;
    }
    return at === ref.size ? out : undefined;
  }

  /**
   * [UPLOAD-2] The stored bytes as a source read piece by piece (an upload's chunks), without gluing the parts
   * together: a 25 MiB attachment is never one array. Undefined when missing or incomplete.
   */
  async source(conversationId: ConversationId, blobId: string): Promise<AttachmentSource | undefined> {
    const whole = await this.storage.getKv(blobKey(conversationId, blobId));
    if (whole !== undefined) return bytesSource(whole);
    const refBytes = await this.storage.getKv(refKey(conversationId, blobId));
    const ref = refBytes === undefined ? null : parseRef(refBytes);
    if (ref === null) return undefined;
    const first = await this.storage.getKv(partKey(conversationId, ref.stage, 0));
    const partBytes = ref.partBytes ?? first?.byteLength ?? 0;
    if (first === undefined || partBytes <= 0) return undefined;
    const storage = this.storage;
    return {
      size: ref.size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        const out = new Uint8Array(Math.max(0, Math.min(length, ref.size - offset)));
        let at = 0;
        while (at < out.byteLength) {
          const pos = offset + at;
          const index = Math.floor(pos / partBytes);
          const part = await storage.getKv(partKey(conversationId, ref.stage, index));
          if (part === undefined) throw new Error(`attachment part ${index} of ${blobId} is missing`);
          const from = pos - index * partBytes;
          const piece = part.subarray(from, from + out.byteLength - at);
          if (piece.byteLength === 0) throw new Error(`attachment part ${index} of ${blobId} is short`);
          out.set(piece, at);
          at += piece.byteLength;
        }
        return out;
      },
    };
  }

  /** [ATTACH-6] The download of this blob in progress, if one was cut off. */
  async download(conversationId: ConversationId, blobId: string): Promise<DownloadProgress | null> {
    const bytes = await this.storage.getKv(downloadKey(conversationId, blobId));
    if (bytes === undefined) return null;
    try {
      const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      const { stage, parts, size, partBytes } = v;
      if (typeof stage === 'string' && isCount(parts) && isCount(size) && isCount(partBytes) && partBytes > 0) return { stage, parts, size, partBytes };
    } catch {
      // fall through: an unreadable record is a download to start again
    }
    return null;
  }

  /** [ATTACH-6] Records how far a download got (after its parts are stored). */
  async setDownload(conversationId: ConversationId, blobId: string, d: DownloadProgress): Promise<void> {
    await this.storage.setKv(downloadKey(conversationId, blobId), new TextEncoder().encode(JSON.stringify(d)));
  }

  /** [ATTACH-6] The download is over: its record goes; `dropParts` (cancelled, mismatched) its parts too. */
  async endDownload(conversationId: ConversationId, blobId: string, dropParts: boolean): Promise<void> {
    const d = await this.download(conversationId, blobId);
    await this.storage.deleteKv(downloadKey(conversationId, blobId));
    if (dropParts && d !== null) await this.dropStage(conversationId, d.stage);
  }

  /** One stored part of a stage (a resumed download re-hashes what it has). */
  async part(conversationId: ConversationId, stage: string, index: number): Promise<Uint8Array | undefined> {
    return this.storage.getKv(partKey(conversationId, stage, index));
  }

  /**
   * Delete the parts of stages no `bref` names, except `active` ones (ingests running now): what an ingest cut off by
   * a crash or a closed store left behind.
   */
  async sweepStages(active: ReadonlySet<string>): Promise<number> {
    const named = new Set<string>();
    for (const key of await this.storage.listKv(REF_KEY_PREFIX)) {
      const bytes = await this.storage.getKv(key);
      const ref = bytes === undefined ? null : parseRef(bytes);
      const conv = key.slice(REF_KEY_PREFIX.length).split('/')[0] ?? '';
      if (ref !== null) named.add(`${conv}/${ref.stage}`);
    }
    // [ATTACH-6] A download cut off keeps its parts for the next try.
    for (const key of await this.storage.listKv(DOWNLOAD_KEY_PREFIX)) {
      const conv = key.slice(DOWNLOAD_KEY_PREFIX.length).split('/')[0] ?? '';
      const d = await this.download(conv as ConversationId, key.slice(DOWNLOAD_KEY_PREFIX.length + conv.length + 1));
      if (d !== null) named.add(`${conv}/${d.stage}`);
    }
    let dropped = 0;
    for (const key of await this.storage.listKv(PART_KEY_PREFIX)) {
      const [conv = '', stage = ''] = key.slice(PART_KEY_PREFIX.length).split('/');
      if (named.has(`${conv}/${stage}`) || active.has(stage)) continue;
      await this.storage.deleteKv(key);
      dropped++;
    }
    return dropped;
  }

  /** Every pending upload, oldest key order. A record that does not parse is dropped (it cannot be uploaded). */
  async pending(): Promise<PendingUpload[]> {
    const out: PendingUpload[] = [];
    for (const key of await this.storage.listKv(UPLOAD_KEY_PREFIX)) {
      const rest = key.slice(UPLOAD_KEY_PREFIX.length);
      const slash = rest.indexOf('/');
      const conv = rest.slice(0, slash);
      const blob = rest.slice(slash + 1);
      const bytes = isId(conv) && isBlobId(blob) ? await this.storage.getKv(key) : undefined;
      const record = bytes !== undefined ? parseRecord(bytes) : null;
      if (record === null) {
        await this.storage.deleteKv(key);
        continue;
      }
      out.push({ conversationId: conv as ConversationId, blobId: blob, ...record });
    }
    return out;
  }

  /** One upload record, or null. */
  async upload(conversationId: ConversationId, blobId: string): Promise<PendingUpload | null> {
    const bytes = await this.storage.getKv(uploadKey(conversationId, blobId));
    const record = bytes === undefined ? null : parseRecord(bytes);
    return record === null ? null : { conversationId, blobId, ...record };
  }

  /**
   * Changes an upload record (its resumable session, its failure; null removes the field), durable before this
   * resolves. Returns false when there is no record.
   */
  async updateUpload(conversationId: ConversationId, blobId: string, patch: { uploadId?: string | null; failure?: UploadFailure | null }): Promise<boolean> {
    const current = await this.upload(conversationId, blobId);
    if (current === null) return false;
    const { conversationId: _c, blobId: _b, uploadId, failure, ...rest } = current;
    const next: UploadRecord = {
      ...rest,
      ...(patch.uploadId === undefined ? (uploadId === undefined ? {} : { uploadId }) : patch.uploadId === null ? {} : { uploadId: patch.uploadId }),
      ...(patch.failure === undefined ? (failure === undefined ? {} : { failure }) : patch.failure === null ? {} : { failure: patch.failure }),
    };
    await this.storage.setKv(uploadKey(conversationId, blobId), new TextEncoder().encode(JSON.stringify(next)));
    await this.storage.flush();
    return true;
  }

  /** The upload is done (or given up): the record goes, the bytes stay as the local copy. */
  async uploaded(conversationId: ConversationId, blobId: string): Promise<void> {
    await this.storage.deleteKv(uploadKey(conversationId, blobId));
  }

  /** MEMBER-1: the conversation is gone from this device: its pending uploads first (nothing more goes out), then its bytes. */
  async forget(conversationId: ConversationId): Promise<void> {
    for (const prefix of [UPLOAD_KEY_PREFIX, DOWNLOAD_KEY_PREFIX, BLOB_KEY_PREFIX, REF_KEY_PREFIX, PART_KEY_PREFIX]) {
      for (const key of await this.storage.listKv(`${prefix}${conversationId}/`)) await this.storage.deleteKv(key);
    }
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseFailure(v: unknown): UploadFailure | null {
  if (typeof v !== 'object' || v === null) return null;
  const { code, message, status } = v as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string' && typeof status === 'number' ? { code, message, status } : null;
}

function parseRecord(bytes: Uint8Array): UploadRecord | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof v['mime'] !== 'string' || typeof v['size'] !== 'number') return null;
    const uploadId = v['uploadId'];
    const failure = parseFailure(v['failure']);
    return {
      mime: v['mime'],
      size: v['size'],
      ...(typeof uploadId === 'string' && isId(uploadId) ? { uploadId } : {}),
      ...(failure === null ? {} : { failure }),
    };
  } catch {
    // fall through
  }
  return null;
}

function parseRef(bytes: Uint8Array): PartsRef | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const { stage, parts, size, partBytes } = v;
    if (typeof stage === 'string' && typeof parts === 'number' && typeof size === 'number') {
      return { stage, parts, size, ...(isCount(partBytes) && partBytes > 0 ? { partBytes } : {}) };
    }
  } catch {
    // fall through
  }
  return null;
}
