/**
 * Forwarding an attachment by reference (SPEC ACT-8): a member of both conversations links a blob of one into the
 * other without sending its bytes; the other conversation's members then read it (BLOB-2). Real server on port 0,
 * real HTTP, real files and SQLite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createConversation, register, startServer, type ApiErrorBody, type Session, type TestServer } from './helpers/server.js';

let srv: TestServer;
let alice: Session;
let bob: Session;
let carol: Session;
/** alice and bob: where the blob was uploaded. */
let source: string;
/** alice and carol: where alice forwards it. */
let target: string;
/** bob and carol: alice is not in it. */
let foreign: string;
const bytes = randomBytes(4096);
const blobId = createHash('sha256').update(bytes).digest('hex');

const blobPath = (conversationId: string, id = blobId): string => `/v1/conversations/${conversationId}/blobs/${id}`;
const link = (token: string, to: string, from: unknown, id = blobId) => api<ApiErrorBody>(srv.url, 'POST', `${blobPath(to, id)}/link`, { token, body: { from } });
const read = (token: string, conversationId: string) =>
  fetch(srv.url + blobPath(conversationId), { headers: { Authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, bytes: Buffer.from(await r.arrayBuffer()) }));

beforeAll(async () => {
  srv = await startServer();
  [alice, bob, carol] = await Promise.all([register(srv.url, 'alice'), register(srv.url, 'bob'), register(srv.url, 'carol')]);
  source = await createConversation(srv.url, alice.token, 'direct', [bob.userId]);
  target = await createConversation(srv.url, alice.token, 'direct', [carol.userId]);
  foreign = await createConversation(srv.url, bob.token, 'direct', [carol.userId]);
  const put = await fetch(srv.url + blobPath(source), { method: 'PUT', headers: { Authorization: `Bearer ${bob.token}`, 'Content-Type': 'image/png' }, body: bytes });
  expect(put.status).toBe(201);
});
afterAll(async () => {
  await srv.stop();
});

describe('[ACT-8] linking a blob into another conversation', () => {
  it('[ACT-8] a member of both links it without its bytes; the target members read the same bytes; again is 200', async () => {
    expect((await read(carol.token, target)).status).toBe(404);
    const first = await link(alice.token, target, source);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ blobId, size: bytes.length, mime: 'image/png' });
    const got = await read(carol.token, target);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect((await link(alice.token, target, source)).status).toBe(200);
  });

  it('[ACT-8] refused: no token 401, bad ids 400, a source the caller is not in 403, a blob it does not hold 404, a target the caller is not in 403', async () => {
    expect((await api(srv.url, 'POST', `${blobPath(target)}/link`, { body: { from: source } })).status).toBe(401);
    expect((await link(alice.token, target, 'not an id!')).status).toBe(400);
    expect((await link(alice.token, target, 42)).status).toBe(400);
    expect((await link(alice.token, target, source, 'XYZ')).status).toBe(400);
    expect((await link(alice.token, 'bad id!', source)).status).toBe(400);
    // carol is in the target but not the source: she cannot pull bob's blob out of a chat she never saw.
    const steal = await link(carol.token, target, source);
    expect(steal.status).toBe(403);
    expect((await link(bob.token, foreign, target)).status).toBe(403);
    expect((await link(alice.token, target, source, '0'.repeat(64))).status).toBe(404);
    // alice holds the blob in the source but is not in `foreign`: no row there, and bob and carol still get 404.
    const push = await link(alice.token, foreign, source);
    expect(push.status).toBe(403);
    expect((await read(carol.token, foreign)).status).toBe(404);
    expect((await link(alice.token, 'unknownconversation', source)).status).toBe(403);
  });
});
