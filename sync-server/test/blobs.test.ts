/**
 * Attachments (SPEC BLOB-1..BLOB-3): upload under the bytes' SHA-256, read back by the conversation's members only,
 * nothing left behind by a refused, oversized, mismatched or cut-off upload, and durable across a restart. A real
 * server on port 0, real HTTP, real files and SQLite in a temp data dir.
 */
import { waitFor } from '@concord/test-support';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createConversation,
  register,
  startServer,
  type ApiErrorBody,
  type Session,
  type TestServer,
} from './helpers/server.js';

/** Small, so that the over-limit cases send little; the round trip stays well under it. */
const MAX_BLOB_BYTES = 512 * 1024;

let srv: TestServer;
let alice: Session;
let bob: Session;
let carol: Session;
/** alice, bob and carol; alice owns it. */
let group: string;
/** alice and carol only. */
let other: string;

beforeAll(async () => {
  srv = await startServer({ maxBlobBytes: MAX_BLOB_BYTES });
  [alice, bob, carol] = await Promise.all([register(srv.url, 'alice'), register(srv.url, 'bob'), register(srv.url, 'carol')]);
  group = await createConversation(srv.url, alice.token, 'group', [bob.userId, carol.userId], 'blobs');
  other = await createConversation(srv.url, alice.token, 'direct', [carol.userId]);
});
afterAll(async () => {
  await srv.stop();
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const blobPath = (conversationId: string, blobId: string): string =>
  `/v1/conversations/${encodeURIComponent(conversationId)}/blobs/${blobId}`;

interface BlobAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
  /** The JSON body, when the answer is one. */
  readonly json: any;
}

async function request(
  method: string,
  path: string,
  options: { token?: string | null; body?: Uint8Array; type?: string } = {},
): Promise<BlobAnswer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined && options.token !== null) headers['Authorization'] = `Bearer ${options.token}`;
  if (options.type !== undefined) headers['Content-Type'] = options.type;
  // A copy over a plain ArrayBuffer: what fetch's BodyInit type takes.
  const body = options.body === undefined ? undefined : new Uint8Array(options.body);
  const res = await fetch(srv.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
  const bytes = Buffer.from(await res.arrayBuffer());
  // HEAD answers carry the headers of a JSON error, without its bytes.
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json') && bytes.length > 0;
  return { status: res.status, headers: res.headers, bytes, json: isJson ? JSON.parse(bytes.toString('utf8')) : undefined };
}

const put = (who: Session | null, conversationId: string, bytes: Uint8Array, type?: string, blobId = sha256(bytes)) =>
  request('PUT', blobPath(conversationId, blobId), {
    token: who?.token ?? null,
    body: bytes,
    ...(type === undefined ? {} : { type }),
  });
const get = (who: Session | null, conversationId: string, blobId: string, method = 'GET') =>
  request(method, blobPath(conversationId, blobId), { token: who?.token ?? null });

/** Every file under `<data>/blobs/`, relative to it. */
function blobFiles(): string[] {
  const root = join(srv.dataDir, 'blobs');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(root, d.name)).map((name) => `${d.name}/${name}`));
}

function rows(blobId: string): number {
  const row = srv.server.db.prepare('SELECT count(*) AS n FROM conversation_blobs WHERE blob_id = ?').get(blobId) as { n: number };
  return row.n;
}

/** What the server finishes after it answered (or after the client vanished) has no event: poll it, briefly. */
const SERVER_SIDE = { timeoutMs: 2000, intervalMs: 10 };

const noTempFiles = (): boolean => blobFiles().every((f) => !f.endsWith('.tmp'));

/** A chunked upload (no Content-Length) over node:http; resolves with the answer even if the server cut the body. */
function putChunked(token: string, path: string, chunks: readonly Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(srv.url + path, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    // Writes after the server answered and closed may fail; the answer is what counts.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('attachments', () => {
  it('[BLOB-1] [BLOB-2] an upload round-trips byte for byte, with the stored type, length, ETag and caching', async () => {
    const bytes = randomBytes(300 * 1024);
    const id = sha256(bytes);
    const up = await put(bob, group, bytes, 'image/png');
    expect(up.status).toBe(201);
    expect(up.json).toEqual({ blobId: id, size: bytes.length, mime: 'image/png' });
    expect(blobFiles()).toContain(`${id.slice(0, 2)}/${id}`);
    expect(noTempFiles()).toBe(true);

    for (const who of [alice, bob, carol]) {
      const down = await get(who, group, id);
      expect(down.status).toBe(200);
      expect(down.bytes.equals(bytes)).toBe(true);
      // [BLOB-4] whatever the uploader declared, the bytes come as an opaque download that nothing renders.
      expect(down.headers.get('content-type')).toBe('application/octet-stream');
      expect(down.headers.get('content-disposition')).toBe('attachment');
      expect(down.headers.get('x-content-type-options')).toBe('nosniff');
      expect(down.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
      expect(down.headers.get('content-length')).toBe(String(bytes.length));
      expect(down.headers.get('etag')).toBe(`"${id}"`);
      expect(down.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
      expect(down.headers.get('access-control-allow-origin')).toBe('*');
    }

    const head = await get(carol, group, id, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.bytes.length).toBe(0);
    expect(head.headers.get('content-type')).toBe('application/octet-stream');
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('etag')).toBe(`"${id}"`);
    expect(head.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
  });

  it('[BLOB-1] the same blob again is 200 with the same body: one row, one file', async () => {
    const bytes = randomBytes(40 * 1024);
    const id = sha256(bytes);
    const first = await put(alice, group, bytes, 'audio/webm;codecs=opus');
    expect(first.status).toBe(201);
    expect(first.json).toEqual({ blobId: id, size: bytes.length, mime: 'audio/webm;codecs=opus' });
    // Another member, another declared type: still the stored blob.
    for (const [who, type] of [[alice, 'audio/webm;codecs=opus'], [bob, 'application/octet-stream']] as const) {
      const again = await put(who, group, bytes, type);
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);
    }
    expect(rows(id)).toBe(1);
    expect(blobFiles().filter((f) => f.includes(id))).toEqual([`${id.slice(0, 2)}/${id}`]);
    expect(noTempFiles()).toBe(true);
    expect((await get(carol, group, id)).headers.get('content-type')).toBe('application/octet-stream');
  });

  it('[BLOB-1] uploads of one blob racing each other store it once', async () => {
    const bytes = randomBytes(64 * 1024);
    const id = sha256(bytes);
    const answers = await Promise.all([put(alice, group, bytes), put(bob, group, bytes), put(carol, group, bytes)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201]);
    for (const a of answers) expect(a.json).toEqual({ blobId: id, size: bytes.length, mime: 'application/octet-stream' });
    expect(rows(id)).toBe(1);
    expect(blobFiles().filter((f) => f.includes(id))).toEqual([`${id.slice(0, 2)}/${id}`]);
    expect(noTempFiles()).toBe(true);
  });

  it('[BLOB-1] [BLOB-2] the same bytes in two conversations are one file and a row each', async () => {
    const bytes = randomBytes(10 * 1024);
    const id = sha256(bytes);
    expect((await put(alice, group, bytes, 'image/jpeg')).status).toBe(201);
    const second = await put(alice, other, bytes, 'image/webp');
    expect(second.status).toBe(201);
    expect(second.json).toEqual({ blobId: id, size: bytes.length, mime: 'image/webp' });
    expect(rows(id)).toBe(2);
    expect(blobFiles().filter((f) => f.includes(id))).toHaveLength(1);
    // Each conversation keeps the type it was given (in its JSON); the bytes are served opaque (BLOB-4).
    expect((await get(carol, group, id)).headers.get('content-type')).toBe('application/octet-stream');
    expect((await get(carol, other, id)).status).toBe(200);
  });

  it('[BLOB-1] the Content-Type is the mime type: absent is application/octet-stream, malformed or too long is 400', async () => {
    const plain = randomBytes(100);
    const absent = await put(alice, group, plain);
    expect(absent.status).toBe(201);
    expect(absent.json.mime).toBe('application/octet-stream');
    expect((await get(alice, group, sha256(plain))).headers.get('content-type')).toBe('application/octet-stream');

    for (const type of ['image', 'not a/type', 'text/plain; charset', `application/${'x'.repeat(89)}`]) {
      const bytes = randomBytes(100);
      const res = await put(alice, group, bytes, type);
      expect(res.status, type).toBe(400);
      expect(res.json.error.code).toBe('bad_request');
      expect(rows(sha256(bytes))).toBe(0);
    }
    const longest = `application/${'x'.repeat(88)}`;
    expect(longest).toHaveLength(100);
    expect((await put(alice, group, randomBytes(100), longest)).status).toBe(201);
  });

  it('[BLOB-1] refusals in order: no token 401, malformed ids 400, unknown conversation 404, not a member 403', async () => {
    const bytes = randomBytes(2048);
    const id = sha256(bytes);

    const noToken = await put(null, 'no such conversation', bytes);
    expect(noToken.status).toBe(401);
    expect(noToken.json.error.code).toBe('unauthorized');
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect((await request('PUT', blobPath(group, id), { token: 'x'.repeat(43), body: bytes })).status).toBe(401);

    for (const [conv, blob] of [
      ['bad id!', id],
      ['nosuchconversation', id.toUpperCase()],
      [group, id.slice(1)],
      [group, `${id}0`],
      [group, 'g'.repeat(64)],
    ] as const) {
      const res = await put(alice, conv, bytes, undefined, blob);
      expect(res.status, `${conv} ${blob}`).toBe(400);
      expect((res.json as ApiErrorBody).error.code).toBe('bad_request');
    }

    const unknown = await put(bob, 'nosuchconversation', bytes);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');

    const outsider = await put(bob, other, bytes);
    expect(outsider.status).toBe(403);
    expect(outsider.json.error.code).toBe('forbidden');

    expect(rows(id)).toBe(0);
    expect(blobFiles().some((f) => f.includes(id))).toBe(false);
    expect(noTempFiles()).toBe(true);
  });

  it('[BLOB-1] [BLOB-3] a body over maxBlobBytes is 413 too_big and leaves nothing on disk; one at the limit is stored', async () => {
    // Declared too big: refused before a byte is read.
    const big = randomBytes(MAX_BLOB_BYTES + 1);
    const declared = await put(alice, group, big);
    expect(declared.status).toBe(413);
    expect(declared.json.error.code).toBe('too_big');

    // Chunked, no length: cut off as the bytes pass the limit.
    const chunks = Array.from({ length: 40 }, () => randomBytes(16 * 1024));
    const streamed = await putChunked(alice.token, blobPath(group, sha256(Buffer.concat(chunks))), chunks);
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.code).toBe('too_big');

    // Many MiB over it: the client still reads the 413 (the rest is read and dropped, not answered with a reset).
    const huge = randomBytes(8 * MAX_BLOB_BYTES);
    const far = await put(alice, group, huge);
    expect(far.status).toBe(413);
    expect(far.json.error.code).toBe('too_big');
    expect((await put(bob, other, huge)).status).toBe(403);

    await waitFor('no temporary files', noTempFiles, SERVER_SIDE);
    expect(rows(sha256(huge))).toBe(0);
    expect(rows(sha256(big))).toBe(0);
    expect(rows(sha256(Buffer.concat(chunks)))).toBe(0);
    expect(blobFiles().some((f) => f.includes(sha256(big)) || f.includes(sha256(Buffer.concat(chunks))))).toBe(false);

    const exact = big.subarray(0, MAX_BLOB_BYTES);
    const atLimit = await put(alice, group, exact);
    expect(atLimit.status).toBe(201);
    expect(atLimit.json.size).toBe(MAX_BLOB_BYTES);
  });

  it('[BLOB-1] [BLOB-3] bytes that do not hash to the blob id are 400 blob_mismatch and nothing is stored', async () => {
    const bytes = randomBytes(20 * 1024);
    const claimed = sha256(randomBytes(16));
    const res = await put(alice, group, bytes, 'image/png', claimed);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('blob_mismatch');
    expect(rows(claimed)).toBe(0);
    expect(blobFiles().some((f) => f.includes(claimed) || f.includes(sha256(bytes)))).toBe(false);
    expect(noTempFiles()).toBe(true);
    expect((await get(alice, group, claimed)).status).toBe(404);
  });

  it('[BLOB-3] an upload the client cuts off leaves no temporary file and no row', async () => {
    const bytes = randomBytes(256 * 1024);
    const id = sha256(bytes);
    const req = http.request(srv.url + blobPath(group, id), {
      method: 'PUT',
      headers: { Authorization: `Bearer ${alice.token}`, 'Content-Length': String(bytes.length) },
    });
    req.on('error', () => undefined);
    req.write(bytes.subarray(0, 64 * 1024));
    // The server has begun writing this upload when its temporary file is there.
    await waitFor('the upload to begin', () => blobFiles().some((f) => f.includes(id) && f.endsWith('.tmp')), SERVER_SIDE);
    req.destroy();
    await waitFor('the temporary file to go', noTempFiles, SERVER_SIDE);
    expect(rows(id)).toBe(0);
    expect(blobFiles().some((f) => f.includes(id))).toBe(false);
    // The server goes on.
    expect((await put(alice, group, bytes)).status).toBe(201);
  });

  it('[BLOB-2] GET and HEAD: 404 before the upload and for a blob only another conversation holds; same refusals as PUT', async () => {
    const bytes = randomBytes(4096);
    const id = sha256(bytes);
    const before = await get(carol, other, id);
    expect(before.status).toBe(404);
    expect(before.json.error.code).toBe('not_found');
    expect((await get(carol, other, id, 'HEAD')).status).toBe(404);

    expect((await put(bob, group, bytes)).status).toBe(201);
    // carol sees the blob in the group, alice is in both: neither reads it through the other conversation.
    expect((await get(carol, group, id)).status).toBe(200);
    for (const who of [alice, carol]) {
      const elsewhere = await get(who, other, id);
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.json.error.code).toBe('not_found');
    }

    expect((await get(null, group, id)).status).toBe(401);
    expect((await get(alice, group, id.toUpperCase())).status).toBe(400);
    expect((await get(alice, 'bad id!', id)).status).toBe(400);
    expect((await get(alice, 'nosuchconversation', id)).status).toBe(404);
    const outsider = await get(bob, other, id);
    expect(outsider.status).toBe(403);
    expect(outsider.json.error.code).toBe('forbidden');
    expect((await get(bob, other, id, 'HEAD')).status).toBe(403);
  });

  it('[BLOB-1] [BLOB-2] the blob path answers the preflight with PUT, GET and HEAD; another method is 405', async () => {
    const path = blobPath(group, sha256(Buffer.from('x')));
    const pre = await api(srv.url, 'OPTIONS', path);
    expect(pre.status).toBe(204);
    const methods = (pre.headers.get('access-control-allow-methods') ?? '').split(', ');
    expect(methods).toEqual(expect.arrayContaining(['PUT', 'GET', 'HEAD']));
    const del = await api<ApiErrorBody>(srv.url, 'DELETE', path, { token: alice.token });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toContain('PUT');
  });

  it('[BLOB-3] a removed member loses the blobs at once: GET, HEAD and PUT are 403, even mid-upload; the others keep them', async () => {
    const dave = await register(srv.url, 'dave');
    const conv = await createConversation(srv.url, alice.token, 'group', [carol.userId, dave.userId], 'removal');
    const bytes = randomBytes(8 * 1024);
    const id = sha256(bytes);
    expect((await put(dave, conv, bytes)).status).toBe(201);
    expect((await get(dave, conv, id)).status).toBe(200);

    // An upload that is streaming when dave is removed.
    const slow = randomBytes(64 * 1024);
    const slowId = sha256(slow);
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request(srv.url + blobPath(conv, slowId), {
        method: 'PUT',
        headers: { Authorization: `Bearer ${dave.token}`, 'Content-Length': String(slow.length) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(slow.subarray(0, 1024));
      waitFor('the upload to begin', () => blobFiles().some((f) => f.includes(slowId)), SERVER_SIDE)
        .then(async () => {
          const removed = await api(srv.url, 'DELETE', `/v1/conversations/${conv}/members/${dave.userId}`, { token: alice.token });
          expect(removed.status).toBe(204);
          req.end(slow.subarray(1024));
        })
        .catch(reject);
    });
    expect(await answer).toBe(403);
    expect(rows(slowId)).toBe(0);
    await waitFor('no file of the refused upload', () => !blobFiles().some((f) => f.includes(slowId)), SERVER_SIDE);

    for (const method of ['GET', 'HEAD']) expect((await get(dave, conv, id, method)).status).toBe(403);
    const later = randomBytes(1024);
    const upload = await put(dave, conv, later);
    expect(upload.status).toBe(403);
    expect(upload.json.error.code).toBe('forbidden');
    expect(rows(sha256(later))).toBe(0);
    expect(blobFiles().some((f) => f.includes(sha256(later)))).toBe(false);
    // dave's earlier upload stays the conversation's.
    expect((await get(carol, conv, id)).bytes.equals(bytes)).toBe(true);
  });

  it('[BLOB-1] [BLOB-2] a stored blob survives a restart; temporary files of a crashed upload are gone after it', async () => {
    const bytes = randomBytes(100 * 1024);
    const id = sha256(bytes);
    expect((await put(alice, group, bytes, 'video/mp4')).status).toBe(201);
    // What a process killed mid-upload leaves.
    mkdirSync(join(srv.dataDir, 'blobs', 'ab'), { recursive: true });
    writeFileSync(join(srv.dataDir, 'blobs', 'ab', `ab${'0'.repeat(62)}.0123456789ab.tmp`), randomBytes(100));

    await srv.restart();
    expect(noTempFiles()).toBe(true);
    const down = await get(bob, group, id);
    expect(down.status).toBe(200);
    expect(down.bytes.equals(bytes)).toBe(true);
    expect(down.headers.get('content-type')).toBe('application/octet-stream');
    expect((await put(bob, group, bytes)).status).toBe(200);
  });
});
