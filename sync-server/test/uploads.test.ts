/**
 * Resumable uploads (SPEC UPLOAD-1..5) and range downloads (BLOB-6, BLOB-7): a real server on port 0, real HTTP
 * (a throttled client stream for the slow link), real files and SQLite, restarts on the same data dir.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponse, type UploadState } from '@concord/protocol';
import { api, createConversation, register, startServer, type Session, type TestServer } from './helpers/server.js';
import { throttledRequest } from './helpers/throttledPut.js';

const MAX_BLOB_BYTES = 1024 * 1024;
const MAX_CHUNK = 64 * 1024;

let srv: TestServer;
let alice: Session;
let bob: Session;
let carol: Session;
/** alice and bob. */
let conv: string;

beforeAll(async () => {
  srv = await startServer({ maxBlobBytes: MAX_BLOB_BYTES, uploadLimits: { maxChunkBytes: MAX_CHUNK } });
  [alice, bob, carol] = await Promise.all([register(srv.url, 'up-alice'), register(srv.url, 'up-bob'), register(srv.url, 'up-carol')]);
  conv = await createConversation(srv.url, alice.token, 'group', [bob.userId], 'uploads');
});
afterAll(async () => {
  await srv.stop();
});

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const uploadsPath = (c: string): string => `/v1/conversations/${c}/uploads`;

async function start(who: Session, c: string, bytes: Uint8Array, extra: Record<string, unknown> = {}) {
  return api<UploadState & { error?: { code: string } }>(srv.url, 'POST', uploadsPath(c), {
    token: who.token,
    body: { blobId: sha256(bytes), size: bytes.byteLength, mime: 'application/pdf', ...extra },
  });
}

async function openUpload(who: Session, c: string, bytes: Uint8Array): Promise<Extract<UploadState, { state: 'open' }>> {
  const res = await start(who, c, bytes);
  expect([200, 201]).toContain(res.status);
  if (res.body.state !== 'open') throw new Error(`not open: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** One chunk PUT (fetch, at full speed). */
async function putChunk(who: Session, c: string, uploadId: string, offset: string | number, bytes: Uint8Array) {
  const res = await fetch(`${srv.url}${uploadsPath(c)}/${uploadId}?offset=${offset}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${who.token}` },
    body: new Uint8Array(bytes),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as (UploadState & { error?: { code: string; message: string } }) | null };
}

/** Sends `bytes` from the session's offset to the end, chunk by chunk. */
async function sendRest(who: Session, c: string, up: Extract<UploadState, { state: 'open' }>, bytes: Uint8Array, chunk = MAX_CHUNK) {
  let offset = up.offset;
  let last: Awaited<ReturnType<typeof putChunk>> | null = null;
  while (offset < bytes.byteLength) {
    last = await putChunk(who, c, up.uploadId, offset, bytes.subarray(offset, offset + chunk));
    offset = Math.min(bytes.byteLength, offset + chunk);
  }
  return last;
}

async function download(who: Session, c: string, blobId: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${srv.url}/v1/conversations/${c}/blobs/${blobId}`, { method, headers: { Authorization: `Bearer ${who.token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const uploadFiles = (): string[] => readdirSync(join(srv.dataDir, 'uploads'));

describe('[UPLOAD-1] starting a resumable upload', () => {
  it('[UPLOAD-1] a start is 201 open at offset 0; the same start again is 200 with the same session; answers read as the protocol type (PROTO-1)', async () => {
    const bytes = randomBytes(3 * MAX_CHUNK + 5);
    const first = await start(alice, conv, bytes);
    expect(first.status).toBe(201);
    expect(parseResponse['POST /v1/conversations/:conversationId/uploads'](first.body)).toEqual(first.body);
    expect(first.body).toMatchObject({ state: 'open', blobId: sha256(bytes), size: bytes.byteLength, offset: 0, maxChunkBytes: MAX_CHUNK });
    const again = await start(alice, conv, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const open = first.body as Extract<UploadState, { state: 'open' }>;
    const status = await api(srv.url, 'GET', `${uploadsPath(conv)}/${open.uploadId}`, { token: alice.token });
    expect(parseResponse['GET /v1/conversations/:conversationId/uploads/:uploadId'](status.body)).toEqual(first.body);
    // Another member's start of the same bytes is its own session.
    const bobs = await start(bob, conv, bytes);
    expect(bobs.status).toBe(201);
    expect((bobs.body as { uploadId: string }).uploadId).not.toBe(open.uploadId);
  });

  it('[UPLOAD-1] bad input is refused with a clear error and opens nothing', async () => {
    const bytes = randomBytes(100);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ blobId: 'abc' }, 400, 'bad_request'],
      [{ blobId: 42 }, 400, 'bad_request'],
      [{ size: 0 }, 400, 'bad_request'],
      [{ size: -5 }, 400, 'bad_request'],
      [{ size: 1.5 }, 400, 'bad_request'],
      [{ size: '100' }, 400, 'bad_request'],
      [{ size: 2 ** 60 }, 400, 'bad_request'],
      [{ size: MAX_BLOB_BYTES + 1 }, 413, 'too_big'],
      [{ mime: 'not a mime' }, 400, 'bad_request'],
      [{ mime: 7 }, 400, 'bad_request'],
    ];
    for (const [extra, status, code] of cases) {
      const res = await start(alice, conv, bytes, extra);
      expect({ extra, status: res.status, code: res.body.error?.code }).toEqual({ extra, status, code });
    }
    expect((await start(carol, conv, bytes)).status).toBe(403);
    expect((await start(alice, 'nosuchconversation1', bytes)).status).toBe(404);
    const anon = await api(srv.url, 'POST', uploadsPath(conv), { body: { blobId: sha256(bytes), size: 100 } });
    expect(anon.status).toBe(401);
    const notJson = await api(srv.url, 'POST', uploadsPath(conv), { token: alice.token, body: '[1,2]' });
    expect(notJson.status).toBe(400);
  });

  it('[UPLOAD-1] a blob the conversation holds already answers done at once', async () => {
    const bytes = randomBytes(1000);
    const put = await fetch(`${srv.url}/v1/conversations/${conv}/blobs/${sha256(bytes)}`, { method: 'PUT', headers: { Authorization: `Bearer ${alice.token}` }, body: new Uint8Array(bytes) });
    expect(put.status).toBe(201);
    const res = await start(bob, conv, bytes);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ state: 'done', blob: { blobId: sha256(bytes), size: 1000, mime: 'application/octet-stream' } });
  });
});

describe('[UPLOAD-2] chunks', () => {
  it('[UPLOAD-2] [UPLOAD-3] chunks in order make the blob; the last one checks the hash and publishes it (201), readable by members', async () => {
    const bytes = randomBytes(2 * MAX_CHUNK + 777);
    const up = await openUpload(alice, conv, bytes);
    const one = await putChunk(alice, conv, up.uploadId, 0, bytes.subarray(0, MAX_CHUNK));
    expect(one).toMatchObject({ status: 200, body: { state: 'open', offset: MAX_CHUNK } });
    expect(parseResponse['PUT /v1/conversations/:conversationId/uploads/:uploadId'](one.body)).toEqual(one.body);
    // Not yet readable: a blob exists only once whole and checked.
    expect((await download(bob, conv, sha256(bytes))).status).toBe(404);
    const last = await sendRest(alice, conv, { ...up, offset: MAX_CHUNK }, bytes);
    expect(last).toEqual({ status: 201, body: { state: 'done', blob: { blobId: sha256(bytes), size: bytes.byteLength, mime: 'application/pdf' } } });
    const got = await download(bob, conv, sha256(bytes));
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(sha256(bytes));
    // The session is over: its id is unknown, its file gone.
    expect((await api(srv.url, 'GET', `${uploadsPath(conv)}/${up.uploadId}`, { token: alice.token })).status).toBe(404);
    expect(uploadFiles()).not.toContain(up.uploadId);
  });

  it('[UPLOAD-2] an offset other than the session\'s is 409 and changes nothing; malformed offsets are 400', async () => {
    const bytes = randomBytes(2 * MAX_CHUNK);
    const up = await openUpload(alice, conv, bytes);
    expect((await putChunk(alice, conv, up.uploadId, MAX_CHUNK, bytes.subarray(MAX_CHUNK))).status).toBe(409);
    for (const bad of ['', '-1', '1e3', 'abc', '01', '0x10', '99999999999999999', '1.0']) {
      const res = await putChunk(alice, conv, up.uploadId, encodeURIComponent(bad), bytes.subarray(0, 10));
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    const noOffset = await fetch(`${srv.url}${uploadsPath(conv)}/${up.uploadId}`, { method: 'PUT', headers: { Authorization: `Bearer ${alice.token}` }, body: bytes.subarray(0, 10) });
    expect(noOffset.status).toBe(400);
    const status = await api<UploadState>(srv.url, 'GET', `${uploadsPath(conv)}/${up.uploadId}`, { token: alice.token });
    expect(status.body).toMatchObject({ offset: 0 });
    const done = await sendRest(alice, conv, up, bytes);
    expect(done?.status).toBe(201);
  });

  it('[UPLOAD-2] a chunk over the chunk limit or past the declared size is 413; an empty chunk before the end is 400', async () => {
    const bytes = randomBytes(MAX_CHUNK + 100);
    const up = await openUpload(alice, conv, bytes);
    const tooBig = await putChunk(alice, conv, up.uploadId, 0, randomBytes(MAX_CHUNK + 1));
    expect(tooBig.status).toBe(413);
    expect((await putChunk(alice, conv, up.uploadId, 0, bytes.subarray(0, MAX_CHUNK))).status).toBe(200);
    const past = await putChunk(alice, conv, up.uploadId, MAX_CHUNK, randomBytes(101));
    expect(past.status).toBe(413);
    expect((await putChunk(alice, conv, up.uploadId, MAX_CHUNK, new Uint8Array(0))).status).toBe(400);
    expect((await sendRest(alice, conv, { ...up, offset: MAX_CHUNK }, bytes))?.status).toBe(201);
  });

  it('[UPLOAD-2] another user\'s session, or one named under another conversation, is 404; a removed member is 403', async () => {
    const bytes = randomBytes(MAX_CHUNK + 1);
    const up = await openUpload(alice, conv, bytes);
    expect((await putChunk(bob, conv, up.uploadId, 0, bytes.subarray(0, 10))).status).toBe(404);
    expect((await api(srv.url, 'GET', `${uploadsPath(conv)}/${up.uploadId}`, { token: bob.token })).status).toBe(404);
    expect((await api(srv.url, 'DELETE', `${uploadsPath(conv)}/${up.uploadId}`, { token: bob.token })).status).toBe(404);
    const other = await createConversation(srv.url, alice.token, 'group', [carol.userId], 'other');
    expect((await putChunk(alice, other, up.uploadId, 0, bytes.subarray(0, 10))).status).toBe(404);
    expect((await putChunk(alice, conv, 'bad id!', 0, bytes.subarray(0, 10))).status).toBe(400);

    const group = await createConversation(srv.url, alice.token, 'group', [carol.userId], 'removal');
    const carols = await openUpload(carol, group, bytes);
    expect((await putChunk(carol, group, carols.uploadId, 0, bytes.subarray(0, MAX_CHUNK))).status).toBe(200);
    expect((await api(srv.url, 'DELETE', `/v1/conversations/${group}/members/${carol.userId}`, { token: alice.token })).status).toBe(204);
    expect((await putChunk(carol, group, carols.uploadId, MAX_CHUNK, bytes.subarray(MAX_CHUNK))).status).toBe(403);
    expect((await download(alice, group, sha256(bytes))).status).toBe(404);
  });

  it('[UPLOAD-3] bytes that do not hash to the blob id are refused (400 blob_mismatch) and the session and its bytes are gone', async () => {
    const bytes = randomBytes(MAX_CHUNK + 50);
    const up = await openUpload(alice, conv, bytes);
    const forged = Buffer.from(bytes);
    forged.writeUInt8(forged.readUInt8(MAX_CHUNK + 3) ^ 0xff, MAX_CHUNK + 3);
    const last = await sendRest(alice, conv, up, forged);
    expect(last?.status).toBe(400);
    expect(last?.body?.error?.code).toBe('blob_mismatch');
    expect((await api(srv.url, 'GET', `${uploadsPath(conv)}/${up.uploadId}`, { token: alice.token })).status).toBe(404);
    expect(uploadFiles()).not.toContain(up.uploadId);
    expect((await download(alice, conv, sha256(bytes))).status).toBe(404);
  });

  it('[UPLOAD-2] a slow upload that takes longer than the server\'s request timeout succeeds in chunks, where one whole-body PUT is cut off', async () => {
    // A 1 s request timeout and a link of 48 KiB/s: 160 KiB take 3.3 s, each 32 KiB chunk 0.7 s.
    const slow = await startServer({ requestTimeoutMs: 1000, uploadLimits: { maxChunkBytes: 32 * 1024 } });
    try {
      const [a, b] = await Promise.all([register(slow.url, 'slow-alice'), register(slow.url, 'slow-bob')]);
      const c = await createConversation(slow.url, a.token, 'group', [b.userId], 'slow');
      const bytes = randomBytes(160 * 1024);
      const rate = { bytesPerSecond: 48 * 1024, pieceBytes: 8 * 1024 };
      const t0 = Date.now();
      const whole = await throttledRequest('PUT', `${slow.url}/v1/conversations/${c}/blobs/${sha256(bytes)}`, bytes, { ...rate, headers: { Authorization: `Bearer ${a.token}` } });
      expect(whole.status === 408 || whole.status === 0, `whole-body PUT answered ${whole.status}`).toBe(true);
      expect(Date.now() - t0).toBeLessThan(3000);

      const started = await api<UploadState>(slow.url, 'POST', `/v1/conversations/${c}/uploads`, { token: a.token, body: { blobId: sha256(bytes), size: bytes.byteLength } });
      if (started.body.state !== 'open') throw new Error('not open');
      const t1 = Date.now();
      let last = { status: 0, body: '' };
      for (let offset = 0; offset < bytes.byteLength; offset += 32 * 1024) {
        last = await throttledRequest('PUT', `${slow.url}/v1/conversations/${c}/uploads/${started.body.uploadId}?offset=${offset}`, bytes.subarray(offset, offset + 32 * 1024), {
          ...rate,
          headers: { Authorization: `Bearer ${a.token}` },
        });
        expect(last.status, last.body).toBeLessThan(300);
      }
      expect(Date.now() - t1).toBeGreaterThan(2000);
      expect(last.status).toBe(201);
      const res = await fetch(`${slow.url}/v1/conversations/${c}/blobs/${sha256(bytes)}`, { headers: { Authorization: `Bearer ${a.token}` } });
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bytes));
    } finally {
      await slow.stop();
    }
  }, 20_000);

  it('[UPLOAD-2] a chunk cut off mid-way is not acknowledged; the upload resumes at the last acknowledged chunk', async () => {
    const bytes = randomBytes(3 * MAX_CHUNK);
    const up = await openUpload(alice, conv, bytes);
    expect((await putChunk(alice, conv, up.uploadId, 0, bytes.subarray(0, MAX_CHUNK))).status).toBe(200);
    const cut = await throttledRequest('PUT', `${srv.url}${uploadsPath(conv)}/${up.uploadId}?offset=${MAX_CHUNK}`, bytes.subarray(MAX_CHUNK, 2 * MAX_CHUNK), {
      bytesPerSecond: 10 * 1024 * 1024,
      cutAfter: MAX_CHUNK / 2,
      headers: { Authorization: `Bearer ${alice.token}` },
    });
    expect(cut.status).toBe(0);
    // The server notices the cut on its side a moment later; the session stays where it was.
    const status = await api<UploadState>(srv.url, 'GET', `${uploadsPath(conv)}/${up.uploadId}`, { token: alice.token });
    expect(status.body).toMatchObject({ offset: MAX_CHUNK });
    expect((await sendRest(alice, conv, { ...up, offset: MAX_CHUNK }, bytes))?.status).toBe(201);
    expect(sha256((await download(bob, conv, sha256(bytes))).bytes)).toBe(sha256(bytes));
  });
});

describe('[UPLOAD-4] sessions end', () => {
  it('[UPLOAD-2] [UPLOAD-4] an upload resumes after a server restart from the last acknowledged chunk; a stray file in uploads/ is removed at start', async () => {
    const bytes = randomBytes(3 * MAX_CHUNK + 9);
    const up = await openUpload(alice, conv, bytes);
    expect((await putChunk(alice, conv, up.uploadId, 0, bytes.subarray(0, MAX_CHUNK))).status).toBe(200);
    expect((await putChunk(alice, conv, up.uploadId, MAX_CHUNK, bytes.subarray(MAX_CHUNK, 2 * MAX_CHUNK))).status).toBe(200);
    writeFileSync(join(srv.dataDir, 'uploads', 'strayfilewithoutarow1'), 'left by a crash');
    await srv.restart();
    expect(uploadFiles()).not.toContain('strayfilewithoutarow1');
    const again = await start(alice, conv, bytes);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'open', uploadId: up.uploadId, offset: 2 * MAX_CHUNK });
    const last = await sendRest(alice, conv, { ...up, offset: 2 * MAX_CHUNK }, bytes);
    expect(last?.status).toBe(201);
    expect(sha256((await download(bob, conv, sha256(bytes))).bytes)).toBe(sha256(bytes));
  });

  it('[UPLOAD-4] a cancelled session is gone with its bytes (204, then 404)', async () => {
    const bytes = randomBytes(MAX_CHUNK + 1);
    const up = await openUpload(alice, conv, bytes);
    expect((await putChunk(alice, conv, up.uploadId, 0, bytes.subarray(0, MAX_CHUNK))).status).toBe(200);
    expect(uploadFiles()).toContain(up.uploadId);
    expect((await api(srv.url, 'DELETE', `${uploadsPath(conv)}/${up.uploadId}`, { token: alice.token })).status).toBe(204);
    expect(uploadFiles()).not.toContain(up.uploadId);
    expect((await putChunk(alice, conv, up.uploadId, MAX_CHUNK, bytes.subarray(MAX_CHUNK))).status).toBe(404);
    expect((await api(srv.url, 'DELETE', `${uploadsPath(conv)}/${up.uploadId}`, { token: alice.token })).status).toBe(404);
  });

  it('[UPLOAD-4] a session untouched for its lifetime is collected with its file; [UPLOAD-5] open sessions count against the quota', async () => {
    let now = 1_000_000;
    const quota = await startServer({
      clock: () => now,
      uploadLimits: { maxChunkBytes: MAX_CHUNK, sessionTtlMs: 60_000, maxOpenPerUser: 3 },
      blobQuota: { maxUnreferencedBytes: 300_000 },
    });
    try {
      const [a, b] = await Promise.all([register(quota.url, 'quota-alice'), register(quota.url, 'quota-bob')]);
      const c = await createConversation(quota.url, a.token, 'group', [b.userId], 'quota');
      const startIn = (bytes: Uint8Array) => api<UploadState>(quota.url, 'POST', `/v1/conversations/${c}/uploads`, { token: a.token, body: { blobId: sha256(bytes), size: bytes.byteLength } });
      const big = randomBytes(200_000);
      const first = await startIn(big);
      expect(first.status).toBe(201);
      const second = await startIn(randomBytes(150_000));
      expect(second.status).toBe(201);
      // 350,000 declared bytes wait: no more uploads, resumable or whole.
      const third = await startIn(randomBytes(10));
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('60');
      const small = randomBytes(10);
      const whole = await fetch(`${quota.url}/v1/conversations/${c}/blobs/${sha256(small)}`, { method: 'PUT', headers: { Authorization: `Bearer ${a.token}` }, body: new Uint8Array(small) });
      expect(whole.status).toBe(429);

      if (first.body.state !== 'open') throw new Error('not open');
      const put = await fetch(`${quota.url}/v1/conversations/${c}/uploads/${first.body.uploadId}?offset=0`, { method: 'PUT', headers: { Authorization: `Bearer ${a.token}` }, body: new Uint8Array(big.subarray(0, MAX_CHUNK)) });
      expect(put.status).toBe(200);
      expect(readdirSync(join(quota.dataDir, 'uploads'))).toContain(first.body.uploadId);
      now += 61_000;
      expect(await quota.server.uploads.collect()).toBe(2);
      expect(readdirSync(join(quota.dataDir, 'uploads'))).toEqual([]);
      expect((await api(quota.url, 'GET', `/v1/conversations/${c}/uploads/${first.body.uploadId}`, { token: a.token })).status).toBe(404);
      // The quota is free again.
      expect((await startIn(randomBytes(10))).status).toBe(201);
      expect((await startIn(randomBytes(11))).status).toBe(201);
      expect((await startIn(randomBytes(12))).status).toBe(201);
      const tooMany = await startIn(randomBytes(13));
      expect(tooMany.status).toBe(429);
    } finally {
      await quota.stop();
    }
  });
});

describe('[BLOB-6] range requests', () => {
  let bytes: Buffer;
  let blobId: string;
  beforeAll(async () => {
    bytes = randomBytes(10_000);
    blobId = sha256(bytes);
    const put = await fetch(`${srv.url}/v1/conversations/${conv}/blobs/${blobId}`, { method: 'PUT', headers: { Authorization: `Bearer ${alice.token}` }, body: new Uint8Array(bytes) });
    expect(put.status).toBe(201);
  });

  it('[BLOB-6] bytes=a-b, a- and -n answer 206 with exactly those bytes and Content-Range', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=9990-', 9990, 9999],
      ['bytes=5000-20000', 5000, 9999],
      ['bytes=-10', 9990, 9999],
      ['bytes=-20000', 0, 9999],
      ['bytes=9999-9999', 9999, 9999],
    ];
    for (const [range, a, b] of cases) {
      const res = await download(bob, conv, blobId, { Range: range });
      expect({ range, status: res.status }).toEqual({ range, status: 206 });
      expect(res.headers.get('content-range')).toBe(`bytes ${a}-${b}/10000`);
      expect(res.headers.get('content-length')).toBe(String(b - a + 1));
      expect(res.bytes.equals(bytes.subarray(a, b + 1))).toBe(true);
    }
  });

  it('[BLOB-6] a range starting at or past the end is 416 with Content-Range bytes */size', async () => {
    for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=-0']) {
      const res = await download(bob, conv, blobId, { Range: range });
      expect({ range, status: res.status }).toEqual({ range, status: 416 });
      expect(res.headers.get('content-range')).toBe('bytes */10000');
      expect(JSON.parse(res.bytes.toString('utf8'))).toMatchObject({ error: { code: 'range_not_satisfiable' } });
    }
  });

  it('[BLOB-6] several ranges, other units, malformed ranges and a stale If-Range get the whole blob (200, Accept-Ranges)', async () => {
    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=5-1', 'bytes=abc', 'bytes=-']) {
      const res = await download(bob, conv, blobId, { Range: range });
      expect({ range, status: res.status }).toEqual({ range, status: 200 });
      expect(res.bytes.equals(bytes)).toBe(true);
    }
    const stale = await download(bob, conv, blobId, { Range: 'bytes=0-9', 'If-Range': '"another"' });
    expect(stale.status).toBe(200);
    const fresh = await download(bob, conv, blobId, { Range: 'bytes=0-9', 'If-Range': `"${blobId}"` });
    expect(fresh.status).toBe(206);
    expect((await download(bob, conv, blobId)).headers.get('accept-ranges')).toBe('bytes');
  });

  it('[BLOB-6] HEAD with a range answers the 206 headers without bytes; a non-member gets 403 whatever the range', async () => {
    const head = await download(bob, conv, blobId, { Range: 'bytes=100-199' }, 'HEAD');
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(head.headers.get('content-length')).toBe('100');
    expect(head.bytes.length).toBe(0);
    expect((await download(carol, conv, blobId, { Range: 'bytes=0-9' })).status).toBe(403);
  });
});

describe('[BLOB-7] blob files without a row', () => {
  it('[BLOB-7] a blob file no conversation holds (a crash between rename and row) is removed at start; held ones stay', async () => {
    const bytes = randomBytes(500);
    const held = sha256(bytes);
    const put = await fetch(`${srv.url}/v1/conversations/${conv}/blobs/${held}`, { method: 'PUT', headers: { Authorization: `Bearer ${alice.token}` }, body: new Uint8Array(bytes) });
    expect(put.status).toBe(201);
    const orphan = sha256(randomBytes(10));
    const dir = join(srv.dataDir, 'blobs', orphan.slice(0, 2));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, orphan), 'no row names me');
    await srv.restart();
    await expect.poll(() => existsSync(join(dir, orphan)), { timeout: 5000 }).toBe(false);
    expect(existsSync(join(srv.dataDir, 'blobs', held.slice(0, 2), held))).toBe(true);
    expect(sha256((await download(bob, conv, held)).bytes)).toBe(held);
  });
});
