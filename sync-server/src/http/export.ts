/**
 * [EXPORT-1] `GET /v1/me/export`: the caller's own data as one JSON document (format in SPEC), streamed: the
 * account, devices and settings first, then one conversation at a time, each segment doc read from the server's
 * doc store (a read-only transaction on the loaded doc) and written out before the next one is read, so memory
 * holds one segment (about 1,000 messages, SEG-*) at a time whatever the history's length.
 */
import { Readable } from 'node:stream';
import { convDocName, userDocName, type ConversationId, type DocName, type UserId } from '@concord/protocol';
import { CONV_EDITS, CONV_MESSAGES, USER_DRAFTS, USER_PREFS } from '@concord/protocol';
import type * as Y from 'yjs';
import type { SessionService } from '../auth/sessions.js';
import type { BlobRepo } from '../db/blobs.js';
import type { UserRepo } from '../db/users.js';
import type { ServerDocWriter } from '../seams.js';
import type { ConversationService } from './conversations.js';

export const EXPORT_FORMAT = 'concord-export';
export const EXPORT_VERSION = 1;

export interface ExportDeps {
  readonly users: UserRepo;
  readonly sessions: SessionService;
  readonly conversations: ConversationService;
  readonly blobs: BlobRepo;
  readonly docs: ServerDocWriter;
  /** The conversation's stored segments k >= 1, lowest first (sync/docStore.ts DocCatalog). */
  readonly segmentDocs: (conversationId: ConversationId) => readonly string[];
  readonly clock: () => number;
}

type JsonRecord = Record<string, unknown>;

/** Reads a doc inside a transaction that changes nothing (so nothing is stored or relayed). */
async function readDoc<T>(docs: ServerDocWriter, doc: DocName, read: (ydoc: Y.Doc) => T): Promise<T> {
  let out: { value: T } | null = null;
  await docs.transact(doc, (ydoc) => {
    out = { value: read(ydoc) };
  });
  if (out === null) throw new Error(`doc ${doc} was not read`);
  return (out as { value: T }).value;
}

function mapToObject(map: Y.Map<unknown>): JsonRecord {
  const out: JsonRecord = {};
  for (const [key, value] of map.entries()) out[key] = value;
  return out;
}

/** A segment's messages, each with its edit (if any), in (hlc, id) order. */
function segmentMessages(ydoc: Y.Doc): JsonRecord[] {
  const messages = ydoc.getMap<unknown>(CONV_MESSAGES);
  const edits = ydoc.getMap<unknown>(CONV_EDITS);
  const out: JsonRecord[] = [];
  for (const [id, value] of messages.entries()) {
    if (typeof value !== 'object' || value === null) continue;
    const edit = edits.get(id);
    out.push(edit === undefined ? { ...(value as JsonRecord) } : { ...(value as JsonRecord), edit });
  }
  const key = (m: JsonRecord): string => `${typeof m['hlc'] === 'string' ? m['hlc'] : ''}\u0000${typeof m['id'] === 'string' ? m['id'] : ''}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

async function* exportParts(deps: ExportDeps, userId: UserId): AsyncGenerator<string> {
  const user = deps.users.byId(userId);
  if (user === null) return;
  const devices = deps.sessions.list(userId).map((d) => ({
    deviceId: d.id,
    name: d.name,
    createdAt: d.createdAt,
    lastSeenAt: d.lastSeenAt,
    expiresAt: d.expiresAt,
  }));
  const settings = await readDoc(deps.docs, userDocName(userId), (d) => ({
    prefs: mapToObject(d.getMap<unknown>(USER_PREFS)),
    drafts: mapToObject(d.getMap<unknown>(USER_DRAFTS)),
  }));
  const head = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: deps.clock(),
    account: { userId: user.id, username: user.username, displayName: user.displayName, createdAt: user.createdAt },
    devices,
    settings,
  };
  // The head object without its closing brace, then the conversations array one element at a time.
  yield `${JSON.stringify(head).slice(0, -1)},"conversations":[`;
  let first = true;
  for (const conv of deps.conversations.listFor(userId)) {
    const segments = [convDocName(conv.conversationId) as string, ...deps.segmentDocs(conv.conversationId)];
    const blobs = deps.blobs.listOf(conv.conversationId).map((b) => ({
      blobId: b.blobId,
      mime: b.mime,
      size: b.size,
      uploadedBy: b.uploadedBy,
      createdAt: b.createdAt,
      url: `/v1/conversations/${conv.conversationId}/blobs/${b.blobId}`,
    }));
    const { members, ...rest } = conv;
    yield `${first ? '' : ','}${JSON.stringify({ ...rest, members, blobs }).slice(0, -1)},"messages":[`;
    first = false;
    let firstMessage = true;
    for (const doc of segments) {
      const messages = await readDoc(deps.docs, doc as DocName, segmentMessages);
      if (messages.length === 0) continue;
      yield `${firstMessage ? '' : ','}${messages.map((m) => JSON.stringify(m)).join(',')}`;
      firstMessage = false;
    }
    yield ']}';
  }
  yield ']}';
}

/** The export as a byte stream; an error while reading ends the stream with that error (the HTTP layer cuts it). */
export function exportStream(deps: ExportDeps, userId: UserId): Readable {
  return Readable.from(exportParts(deps, userId), { objectMode: false });
}
