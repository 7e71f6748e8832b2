/**
 * Uploads no message refers to (SPEC BLOB-5, issue 21 Medium 9): bounded per user while they wait for their message,
 * and collected after a grace period; an upload a stored message refers to stays. Real server on port 0 with an
 * injected clock, real HTTP and sockets, real files and SQLite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CONV_MESSAGES } from '@concord/protocol';
import { createConversation, register, startServer, type Session, type TestServer } from './helpers/server.js';
import { HLC, HostileClient, change } from './hostileHarness.js';

const KB = 1024;
let now = Date.UTC(2030, 0, 1);
let srv: TestServer;
let alice: Session;
let bob: Session;
let conv: string;

beforeAll(async () => {
  srv = await startServer({ clock: () => now, blobQuota: { maxUnreferencedBytes: 300 * KB, unreferencedGraceMs: 60_000 }, blobCollectMs: 3_600_000 });
  [alice, bob] = await Promise.all([register(srv.url, 'alice'), register(srv.url, 'bob')]);
  conv = await createConversation(srv.url, alice.token, 'group', [bob.userId], 'files');
});
afterAll(async () => {
  await srv.stop();
});

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const url = (blobId: string): string => `/v1/conversations/${conv}/blobs/${blobId}`;

async function put(who: Session, bytes: Uint8Array): Promise<Response> {
  return fetch(srv.url + url(sha256(bytes)), {
    method: 'PUT',
    headers: { Authorization: `Bearer ${who.token}`, 'Content-Type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
}

async function refer(who: Session, bytes: Uint8Array, rand: string): Promise<void> {
  const c = await HostileClient.open(srv.wsUrl, 'mux', who.token, `conv:${conv}`);
  const id = `${who.userId}.${rand}`;
  const entry = { id, author: who.userId, hlc: HLC, type: 'file', body: 'f.bin', attachment: { url: url(sha256(bytes)), name: 'f.bin', mime: 'application/octet-stream', size: bytes.length } };
  expect(await c.submit(change(c.replica, (d) => d.getMap(CONV_MESSAGES).set(id, entry)))).toBe('ack');
  c.close();
}

function fileOf(blobId: string): string {
  return join(srv.dataDir, 'blobs', blobId.slice(0, 2), blobId);
}

describe('unreferenced uploads', () => {
  it('[BLOB-5] what one user uploads without a message is bounded (429, retried later); a message referring to it frees the room', async () => {
    const first = randomBytes(200 * KB);
    const second = randomBytes(200 * KB);
    const third = randomBytes(50 * KB);
    expect((await put(alice, first)).status).toBe(201);
    expect((await put(alice, second)).status).toBe(201);
    // 400 KiB waiting: over the 300 KiB allowance.
    const refused = await put(alice, third);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^BLOB-5/);
    // Another user is not affected.
    expect((await put(bob, randomBytes(10 * KB))).status).toBe(201);
    // Once messages refer to what she uploaded, her next upload goes through.
    await refer(alice, first, 'f1');
    await refer(alice, second, 'f2');
    expect((await put(alice, third)).status).toBe(201);
  });

  it('[BLOB-5] uploads no message refers to are collected after the grace period, files included; referred ones stay', async () => {
    const kept = randomBytes(20 * KB);
    const orphan = randomBytes(20 * KB);
    expect((await put(bob, kept)).status).toBe(201);
    expect((await put(bob, orphan)).status).toBe(201);
    await refer(bob, kept, 'k1');
    // Within the grace period nothing goes.
    expect(await srv.server.blobs.collect()).toBe(0);
    now += 61_000;
    expect(await srv.server.blobs.collect()).toBeGreaterThanOrEqual(1);
    expect(existsSync(fileOf(sha256(orphan)))).toBe(false);
    expect(existsSync(fileOf(sha256(kept)))).toBe(true);
    const get = (bytes: Uint8Array) => fetch(srv.url + url(sha256(bytes)), { headers: { Authorization: `Bearer ${alice.token}` } });
    expect((await get(kept)).status).toBe(200);
    expect((await get(orphan)).status).toBe(404);
  });
});

describe('conversations one user creates', () => {
  it('[HTTP-23] creating conversations and putting people into them is rate limited per user (429 with Retry-After); looking up an existing direct chat is free', async () => {
    const limited = await startServer({ conversationLimits: { createBurst: 3, createRefillMs: 60_000, addBurst: 5, addRefillMs: 60_000 } });
    try {
      const [mallory, victim, friend] = await Promise.all([register(limited.url, 'mallory'), register(limited.url, 'victim'), register(limited.url, 'friend')]);
      const create = (who: Session, kind: 'group' | 'direct', members: string[]) =>
        fetch(`${limited.url}/v1/conversations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
          body: JSON.stringify({ kind, members }),
        });
      expect((await create(mallory, 'direct', [victim.userId])).status).toBe(201);
      expect((await create(mallory, 'group', [victim.userId, friend.userId])).status).toBe(201);
      // The same direct chat again is a lookup, not a creation.
      for (let i = 0; i < 5; i++) expect((await create(mallory, 'direct', [victim.userId])).status).toBe(200);
      expect((await create(mallory, 'group', [victim.userId])).status).toBe(201);
      const refused = await create(mallory, 'group', [victim.userId]);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^HTTP-23/);
      // Others are not affected.
      expect((await create(friend, 'group', [victim.userId])).status).toBe(201);
    } finally {
      await limited.stop();
    }
  });
});
