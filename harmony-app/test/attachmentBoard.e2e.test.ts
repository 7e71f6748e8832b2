/*
 * HAPP-ATTACH-2/3 end to end: a 25 MiB picked file, as on a 2 GB A55 board. The sender's facade reads it through the
 * `@ohos.file.fs` stand-in (node:fs) in chunks, hashes it with the cryptoFramework Md stand-in, stores it in RDB
 * (stand-in on real SQLite) and uploads it to the real sync-server on port 0; the other device downloads it through
 * the `@ohos.net.http` stand-in at API 12 (request() capped at 5 MB, so only requestInStream gets it through).
 */
import { waitFor as waitForCondition } from '@concord/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../../sync-server/test/helpers/server';
import { ATTACHMENT_CHUNK_BYTES, MAX_ATTACHMENT_BYTES } from '@concord/client-core';
import { AttachmentMeta } from '../entry/src/main/ets/facade/attachments';
import { PickedFile } from '../entry/src/main/ets/platform/pickedFile';
import { StandinFileIo } from './standins/fileIo';
import { boardDevice, waitFor } from './boardDevice';

let srv: TestServer;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Counts turns of the event loop (a chain of 0 ms timers) and the longest gap between two of them. */
function loopWatch(): () => { turns: number; longestGapMs: number } {
  let turns = 0;
  let longest = 0;
  let last = performance.now();
  let on = true;
  const tick = () => {
    if (!on) return;
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    turns++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return () => {
    on = false;
    return { turns, longestGapMs: Math.max(longest, performance.now() - last) };
  };
}

const uniq = (s: string) => `${s}${Date.now() % 1e7}${Math.floor(Math.random() * 1e3)}`;

describe('HAPP-ATTACH-2 a 25 MiB picked file on the board stand-ins', () => {
  it('HAPP-ATTACH-2 HAPP-ATTACH-3 goes through in chunks with progress to 100%, never blocks the event loop long, and arrives with the same hash', async () => {
    const alice = uniq('alice');
    const bob = uniq('bob');
    const a = await boardDevice(srv.url, cleanups);
    const b = await boardDevice(srv.url, cleanups);
    await a.app.register(alice, `password-${alice}`, 'Alice');
    await b.app.register(bob, `password-${bob}`, 'Bob');
    const { conversationId: convId } = await a.app.startDirectChat(bob);
    await waitFor('bob lists it', () => b.app.conversations.indexOfKey(convId) >= 0);
    const chatA = await a.app.openChat(convId);
    const chatB = await b.app.openChat(convId);

    const size = MAX_ATTACHMENT_BYTES;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >>> 16)) & 0xff;
    const dir = mkdtempSync(join(tmpdir(), 'concord-pick-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'IMG_big.png');
    writeFileSync(path, bytes);
    const want = createHash('sha256').update(bytes).digest('hex');

    const io = new StandinFileIo();
    const file = PickedFile.open(io, path, MAX_ATTACHMENT_BYTES);
    const percents: number[] = [];
    const stop = loopWatch();
    try {
      await chatA.sendAttachment(file, new AttachmentMeta('image', 'IMG_big.png', 'image/png'), (p) => percents.push(p));
    } finally {
      file.close();
    }
    const loop = stop();
    const chunks = size / ATTACHMENT_CHUNK_BYTES;
    expect(io.open.size).toBe(0);
    // No single read (and no single hash update) bigger than a chunk; every byte read once.
    expect(Math.max(...io.reads)).toBeLessThanOrEqual(ATTACHMENT_CHUNK_BYTES);
    expect(io.reads.reduce((x, y) => x + y, 0)).toBe(size);
    const updates = a.md.mds.flatMap((m) => m.updates);
    expect(Math.max(...updates)).toBeLessThanOrEqual(ATTACHMENT_CHUNK_BYTES);
    expect(updates.reduce((x, y) => x + y, 0)).toBe(size);
    // Whole percents, each once, rising to 100.
    expect(percents.at(-1)).toBe(100);
    for (let i = 1; i < percents.length; i++) expect(percents[i]!).toBeGreaterThan(percents[i - 1]!);
    expect(percents.length).toBeGreaterThanOrEqual(90);
    // The loop turned at least once per chunk, and no turn waited long (generous: a loaded 2-core machine; the
    // whole send of 25 MiB in one piece took far longer than this bound before).
    expect(loop.turns).toBeGreaterThanOrEqual(chunks);
    expect(loop.longestGapMs).toBeLessThan(1000);

    await waitFor('bob gets the image row', () => chatB.rows.all().some((r) => r.kind === 'image'), 60_000);
    const row = chatB.rows.all().find((r) => r.kind === 'image')!;
    expect(row.sizeText).toBe('25 MB');
    let got = null as Uint8Array | null;
    const downloaded = async (): Promise<boolean> => {
      try {
        got = await chatB.attachmentBytes(row);
        return true;
      } catch (e) {
        // Until alice's upload is through the server answers 404 (not uploaded yet); anything else is a failure.
        if (!/not been uploaded|not uploaded|yet/i.test((e as Error).message)) throw e;
        return false;
      }
    };
    await waitForCondition("bob's download", downloaded, { timeoutMs: 60_000, intervalMs: 100 });
    if (got === null) throw new Error('unreachable: waited for the download');
    expect(createHash('sha256').update(got).digest('hex')).toBe(want);
    // Bob's download came through the stream (request() on this API 12 stand-in would have refused it).
    const blob = `/blobs/${want}`;
    const gets = b.http.created.filter((r) => r.url.endsWith(blob));
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.every((r) => r.via === 'requestInStream')).toBe(true);
  }, 180_000);
});
