/**
 * Attachment bytes and pending uploads in the storage kv (ATTACH-1, ATTACH-2):
 *
 * - `blob:<conversationId>/<blobId>`: the bytes, this device's copy (sent from here, or fetched once).
 * - `upload:<conversationId>/<blobId>`: `{mime, size}` while the bytes still have to go to the server.
 *
 * Keys are per conversation, so MEMBER-1's deletion finds everything of one conversation by prefix, and the same
 * bytes sent twice into one conversation are one blob and one upload. `wipeLocalData` (logout, another account)
 * removes these with every other kv key.
 */
import type { StorageAdapter } from '@concord/storage-adapters';
import { isId, type ConversationId } from '../protocol/ids.js';
import { isBlobId } from './blobs.js';

export const BLOB_KEY_PREFIX = 'blob:';
export const UPLOAD_KEY_PREFIX = 'upload:';

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
}

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

  /** Keep fetched bytes as this device's copy. */
  async keep(conversationId: ConversationId, blobId: string, bytes: Uint8Array): Promise<void> {
    await this.storage.setKv(blobKey(conversationId, blobId), bytes);
  }

  async bytes(conversationId: ConversationId, blobId: string): Promise<Uint8Array | undefined> {
    return this.storage.getKv(blobKey(conversationId, blobId));
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

  /** The upload is done (or given up): the record goes, the bytes stay as the local copy. */
  async uploaded(conversationId: ConversationId, blobId: string): Promise<void> {
    await this.storage.deleteKv(uploadKey(conversationId, blobId));
  }

  /** MEMBER-1: the conversation is gone from this device: its pending uploads first (nothing more goes out), then its bytes. */
  async forget(conversationId: ConversationId): Promise<void> {
    for (const prefix of [UPLOAD_KEY_PREFIX, BLOB_KEY_PREFIX]) {
      for (const key of await this.storage.listKv(`${prefix}${conversationId}/`)) await this.storage.deleteKv(key);
    }
  }
}

function parseRecord(bytes: Uint8Array): { mime: string; size: number } | null {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof v['mime'] === 'string' && typeof v['size'] === 'number') return { mime: v['mime'], size: v['size'] };
  } catch {
    // fall through
  }
  return null;
}
