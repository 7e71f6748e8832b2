/**
 * ATTACH-1 / ATTACH-2 pieces that need no real server: blob ids and urls, the kv records, what an upload's answer
 * decides, the download's checks (scripted fetch, in-memory storage), and the client's refusals, retries and
 * MEMBER-1 cleanup against the in-process stand-in. The upload/download path end to end runs in
 * attachments-scenarios-{fake,real}.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MemoryStorageAdapter } from '@concord/storage-adapters/memory';
import { blobIdOf, blobPath, MAX_ATTACHMENT_BYTES, parseBlobUrl } from '../src/attachments/blobs.js';
import { AttachmentStore } from '../src/attachments/store.js';
import { AttachmentTransfer, uploadDecision, type UploadRefusal } from '../src/attachments/transfer.js';
import { ConcordError, InvalidInputError } from '../src/errors.js';
import type { FetchInitLike, FetchLike, FetchResponseLike } from '../src/platform.js';
import type { ConversationId } from '@concord/protocol';
import type { Message } from '../src/conversation/conversation.js';
import { FakeBackend } from './helpers/fakeBackend.js';
import { account, threeDevices, uniqueName, type World } from './helpers/scenarios.js';
import { codeOf, eventually, expectSame, sampleBytes } from './helpers/attachmentScenarios.js';
import { clientEvents, convEvents, until } from './helpers/wait.js';

const CONV = 'conv1' as ConversationId;
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a script and records every call. */
function scripted(answer: (call: Call) => { status: number; body?: Uint8Array | string } | 'unreachable'): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url: string, init?: FetchInitLike): Promise<FetchResponseLike> => {
    const call: Call = { url, method: init?.method ?? 'GET', headers: init?.headers ?? {}, body: init?.body as unknown };
    calls.push(call);
    const a = answer(call);
    if (a === 'unreachable') throw new TypeError('fetch failed');
    const bytes = typeof a.body === 'string' || a.body === undefined ? new TextEncoder().encode(a.body ?? '') : a.body;
    return {
      status: a.status,
      ok: a.status >= 200 && a.status < 300,
      text: async () => new TextDecoder().decode(bytes),
      arrayBuffer: async () => bytes.slice().buffer,
    };
  };
  return { fetch, calls };
}

function transfer(fetch: FetchLike, storage = new MemoryStorageAdapter()) {
  const refusals: UploadRefusal[] = [];
  const errors: Error[] = [];
  const t = new AttachmentTransfer(new AttachmentStore(storage), {
    random: (n: number) => new Uint8Array(randomBytes(n)),
    baseUrl: 'http://srv',
    token: 'tok',
    fetch,
    isOnline: () => true,
    refused: (r) => refusals.push(r),
    storageError: (e) => errors.push(e),
  });
  return { t, storage, refusals, errors };
}

describe('attachments: ids, records, decisions', () => {
  it('[ATTACH-1] the blob id is the lowercase hex SHA-256 of the bytes and the url its BLOB-1 path', () => {
    expect(blobIdOf(new TextEncoder().encode('abc'))).toBe(ABC_SHA256);
    expect(blobIdOf(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(blobPath(CONV, ABC_SHA256)).toBe(`/v1/conversations/conv1/blobs/${ABC_SHA256}`);
    expect(parseBlobUrl(blobPath(CONV, ABC_SHA256))).toEqual({ conversationId: CONV, blobId: ABC_SHA256 });
    expect(MAX_ATTACHMENT_BYTES).toBe(25 * 1024 * 1024);
  });

  it('[ATTACH-2] only the relative blob path with a well-formed id is a blob url: the bearer token never goes to another host', () => {
    for (const url of [
      `https://evil.example/v1/conversations/conv1/blobs/${ABC_SHA256}`,
      `//evil.example/v1/conversations/conv1/blobs/${ABC_SHA256}`,
      `/v1/conversations/conv1/blobs/${ABC_SHA256.toUpperCase()}`,
      `/v1/conversations/conv1/blobs/${ABC_SHA256}/x`,
      `/v1/conversations/c..1/blobs/${ABC_SHA256}`,
      `/v1/conversations/conv1/blobs/abc`,
    ]) {
      expect(parseBlobUrl(url), url).toBeNull();
    }
  });

  it('[ATTACH-1] an upload answer decides: accepted, kept for the next connection, or given up for good', () => {
    expect([200, 201, 204].map(uploadDecision)).toEqual(['done', 'done', 'done']);
    // Unreachable or session refused: the rest of the round would fail the same way.
    expect([0, 401].map(uploadDecision)).toEqual(['stop', 'stop']);
    expect([408, 429, 500, 502, 503].map(uploadDecision)).toEqual(['next', 'next', 'next', 'next', 'next']);
    expect([400, 403, 404, 413, 415].map(uploadDecision)).toEqual(['give_up', 'give_up', 'give_up', 'give_up', 'give_up']);
  });

  it('[ATTACH-1] the bytes and a pending record are stored together; an accepted upload drops the record and keeps the bytes', async () => {
    const { fetch, calls } = scripted(() => ({ status: 201, body: '{}' }));
    const { t, storage } = transfer(fetch);
    const bytes = sampleBytes(5000);
    const id = blobIdOf(bytes);
    await t.store.putOwn(CONV, id, bytes, 'image/png');
    expect(await storage.listKv()).toEqual([`blob:conv1/${id}`, `upload:conv1/${id}`]);
    expect(await t.store.pending()).toEqual([{ conversationId: CONV, blobId: id, mime: 'image/png', size: 5000 }]);
    t.kick();
    await t.settled();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      url: `http://srv/v1/conversations/conv1/blobs/${id}`,
      method: 'PUT',
      headers: { authorization: 'Bearer tok', 'content-type': 'image/png' },
    });
    expectSame(calls[0]?.body as Uint8Array, bytes);
    expect(await storage.listKv()).toEqual([`blob:conv1/${id}`]);
    expectSame(await t.bytes({ url: blobPath(CONV, id), name: 'x', mime: 'image/png', size: 5000 }), bytes);
    expect(calls).toHaveLength(1);
  });

  it('[ATTACH-1] an unreachable server or a 5xx keeps the upload for the next round; a 4xx refusal gives it up and reports it', async () => {
    let answer: 'unreachable' | number = 'unreachable';
    const { fetch, calls } = scripted(() => (answer === 'unreachable' ? 'unreachable' : { status: answer, body: JSON.stringify({ error: { code: 'forbidden', message: 'not a member' } }) }));
    const { t, storage, refusals } = transfer(fetch);
    const bytes = sampleBytes(100);
    const id = blobIdOf(bytes);
    await t.store.putOwn(CONV, id, bytes, 'application/pdf');
    t.kick();
    await t.settled();
    answer = 503;
    t.kick();
    await t.settled();
    expect(calls).toHaveLength(2);
    expect(await t.store.pending()).toHaveLength(1);
    expect(refusals).toEqual([]);
    answer = 403;
    t.kick();
    await t.settled();
    // [ATTACH-5] Kept as failed, for a retry by the user; not uploaded by any round.
    expect(await t.store.pending()).toEqual([
      { conversationId: CONV, blobId: id, mime: 'application/pdf', size: 100, failure: { code: 'forbidden', message: 'not a member', status: 403 } },
    ]);
    expect(refusals).toEqual([{ conversationId: CONV, blobId: id, status: 403, code: 'forbidden', message: 'not a member' }]);
    // Given up, not retried; the local copy stays readable.
    t.kick();
    await t.settled();
    expect(calls).toHaveLength(3);
    expect(await storage.listKv('blob:')).toEqual([`blob:conv1/${id}`]);
  });

  it('[ATTACH-2] a download is checked against the blob id: a mismatch fails and keeps nothing; good bytes are kept', async () => {
    const bytes = sampleBytes(2048);
    const id = blobIdOf(bytes);
    let served = sampleBytes(2048, 99);
    const { fetch, calls } = scripted(() => ({ status: 200, body: served }));
    const { t, storage } = transfer(fetch);
    const attachment = { url: blobPath(CONV, id), name: 'a.bin', mime: 'application/octet-stream', size: 2048 };
    expect(await codeOf(t.bytes(attachment))).toBe('attachment_mismatch');
    expect(await storage.listKv()).toEqual([]);
    served = bytes;
    expectSame(await t.bytes(attachment), bytes);
    expect(calls.map((c) => [c.method, c.url, c.headers['authorization']])).toEqual([
      ['GET', `http://srv/v1/conversations/conv1/blobs/${id}`, 'Bearer tok'],
      ['GET', `http://srv/v1/conversations/conv1/blobs/${id}`, 'Bearer tok'],
    ]);
    expectSame(await storage.getKv(`blob:conv1/${id}`), bytes);
  });

  it('[ATTACH-2] not uploaded yet is attachment_unavailable, an unreachable server with no local copy is network; a foreign url is never fetched', async () => {
    let reachable = true;
    const { fetch, calls } = scripted(() => (reachable ? { status: 404, body: '{"error":{"code":"not_found","message":"no blob"}}' } : 'unreachable'));
    const { t } = transfer(fetch);
    const attachment = { url: blobPath(CONV, ABC_SHA256), name: 'a', mime: 'text/plain', size: 3 };
    expect(await codeOf(t.bytes(attachment))).toBe('attachment_unavailable');
    reachable = false;
    expect(await codeOf(t.bytes(attachment))).toBe('network');
    const n = calls.length;
    await expect(t.bytes({ ...attachment, url: `https://evil.example${attachment.url}` })).rejects.toBeInstanceOf(InvalidInputError);
    expect(calls).toHaveLength(n);
  });
});

describe('attachments: the client (in-process server)', () => {
  let w: World;
  afterEach(async () => {
    for (const d of w.devices.splice(0)) await d.shutdown().catch(() => undefined);
  });
  const fake = (): FakeBackend => w.be as FakeBackend;

  it('[ATTACH-1] empty, too-big or malformed attachments are refused with an InvalidInputError and nothing is stored', async () => {
    w = { be: new FakeBackend(), devices: [] };
    const { a1, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const docs = await a1.storage.listDocs();
    const meta = { type: 'file' as const, name: 'x.bin', mime: 'application/octet-stream' };
    const refused = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInputError);
        return (err as ConcordError).code;
      }
      return 'resolved';
    };
    expect(await refused(c1.sendAttachment(new Uint8Array(0), meta))).toBe('empty_attachment');
    expect(await refused(c1.sendAttachment(new Uint8Array(MAX_ATTACHMENT_BYTES + 1), meta))).toBe('attachment_too_big');
    expect(await refused(c1.sendAttachment(sampleBytes(10), { ...meta, name: '  ' }))).toBe('invalid_argument');
    expect(await refused(c1.sendAttachment(sampleBytes(10), { ...meta, mime: 'text' }))).toBe('invalid_argument');
    expect(await refused(c1.sendAttachment(sampleBytes(10), { ...meta, mime: 'text/plain\r\nX-Evil: 1' }))).toBe('invalid_argument');
    expect(await refused(c1.sendAttachment(sampleBytes(10), { ...meta, mime: `image/${'x'.repeat(100)}` }))).toBe('invalid_argument');
    expect(await refused(c1.sendAttachment(sampleBytes(10), { ...meta, type: 'text' as 'file' }))).toBe('invalid_argument');
    expect(await refused(c1.sendAttachment(sampleBytes(10), { ...meta, durationMs: Number.NaN }))).toBe('invalid_argument');
    expect(await a1.storage.listKv('blob:')).toEqual([]);
    expect(await a1.storage.listKv('upload:')).toEqual([]);
    expect(await a1.storage.listDocs()).toEqual(docs);
    expect(c1.messages()).toEqual([]);
    expect(fake().server.blobPuts).toEqual([]);
  });

  it('[ATTACH-1] an upload the server failed (5xx) goes out on the next connection; a final refusal is reported through `rejected` and not retried', async () => {
    w = { be: new FakeBackend(), devices: [] };
    const { a1, b, convId } = await threeDevices(w);
    const srv = fake().server;
    const c1 = await a1.client.conversation(convId);
    const rejected: { doc: string; code: string; message: string }[] = [];
    a1.client.events.on('rejected', (e) => rejected.push(e));
    srv.failBlobPut = 503;
    const bytes = sampleBytes(777);
    const m = await c1.sendAttachment(bytes, { type: 'file', name: 'report.pdf', mime: 'application/pdf' });
    const key = `${convId}/${blobIdOf(bytes)}`;
    await eventually('the failed PUT', async () => srv.blobPuts.length === 1);
    expect(await a1.storage.listKv('upload:')).toHaveLength(1);
    srv.failBlobPut = null;
    a1.client.dropConnection();
    await eventually('the PUT on the next connection', async () => srv.blobPuts.length === 2);
    expect(srv.blobPuts).toEqual([
      { key, status: 503 },
      { key, status: 201 },
    ]);
    await eventually('the record is gone', async () => (await a1.storage.listKv('upload:')).length === 0);
    const cb = await b.client.conversation(convId);
    await until('bob has it', () => cb.message(m.id) !== null, [convEvents(cb)]);
    expectSame(await b.client.attachmentBytes(cb.message(m.id) as Message), bytes);

    srv.failBlobPut = 413;
    const big = sampleBytes(50, 5);
    await c1.sendAttachment(big, { type: 'image', name: 'big.png', mime: 'image/png' });
    await until('refusal reported', () => rejected.length === 1, [clientEvents(a1.client)]);
    expect(rejected[0]).toMatchObject({ doc: `conv:${convId}`, code: 'http_413' });
    expect(rejected[0]?.message).toMatch(/^ATTACH-1: /);
    // [ATTACH-5] The record stays, marked failed, until the user retries it.
    expect(await a1.storage.listKv('upload:')).toHaveLength(1);
    a1.client.dropConnection();
    await a1.waitOnline();
    expect(srv.blobPuts.filter((p) => p.status === 413)).toHaveLength(1);
  });

  it('[ATTACH-1] a conversation the account left drops its pending uploads and attachment bytes (MEMBER-1)', async () => {
    w = { be: new FakeBackend(), devices: [] };
    const alice = uniqueName('alice');
    const a1 = await account(w, 'alice-1', alice, 'register');
    const a2 = await account(w, 'alice-2', alice, 'login');
    const b = await account(w, 'bob', uniqueName('bob'), 'register');
    const group = await a1.client.createConversation({ kind: 'group', members: [b.client.session?.userId ?? ''], title: 'team' });
    const other = await a1.client.createConversation({ kind: 'direct', members: [b.client.session?.userId ?? ''] });
    await until('alice-2 sees both', () => a2.client.conversations().length === 2, [clientEvents(a2.client)]);
    const cg = await a1.client.conversation(group);
    const co = await a1.client.conversation(other);
    w.be.offline(a1);
    await until('alice-1 offline', () => a1.client.connection.state !== 'online', [clientEvents(a1.client)]);
    await cg.sendAttachment(sampleBytes(64, 1), { type: 'file', name: 'g.bin', mime: 'application/octet-stream' });
    const kept = await co.sendAttachment(sampleBytes(64, 2), { type: 'file', name: 'o.bin', mime: 'application/octet-stream' });
    expect(await a1.storage.listKv(`upload:${group}/`)).toHaveLength(1);
    await a2.client.leaveConversation(group);
    w.be.online(a1);
    await until('alice-1 dropped the group', () => !a1.client.conversations().some((c) => c.id === group), [clientEvents(a1.client)], 10_000);
    await eventually('its uploads and bytes are gone', async () => (await a1.storage.listKv(`upload:${group}/`)).length + (await a1.storage.listKv(`blob:${group}/`)).length === 0);
    await eventually('the other conversation uploaded', async () => (await a1.storage.listKv('upload:')).length === 0);
    expect(fake().server.blobPuts.map((p) => p.key.split('/')[0])).toEqual([other]);
    expect(await a1.storage.listKv(`blob:${other}/`)).toHaveLength(1);
    expectSame(await a1.client.attachmentBytes(kept), sampleBytes(64, 2));
  });
});
