/**
 * Attachment scenarios (ATTACH-1, ATTACH-2) run against any Backend: the in-process stand-in and the real
 * sync-server (BLOB-1/BLOB-2). The backends cut a device's sync socket only; its HTTP still reaches the server, which
 * is what ATTACH-2's "not uploaded yet" needs: the sender is offline, the reader is not.
 */
import { waitFor } from '@concord/test-support';
import { expect, it } from 'vitest';
import { ConcordError } from '../../src/errors.js';
import type { Message } from '../../src/conversation/conversation.js';
import { blobIdOf } from '../../src/attachments/blobs.js';
import { AttachmentStore } from '../../src/attachments/store.js';
import type { ConversationId } from '@concord/protocol';
import { threeDevices, all, type World } from './scenarios.js';
import type { TestDevice } from './devices.js';
import { clientEvents, convEvents, until } from './wait.js';

/** Bytes that are not text and not all alike, so a decode or truncation anywhere shows. */
export function sampleBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function goOffline(w: World, d: TestDevice): Promise<void> {
  w.be.offline(d);
  await until(`${d.label} offline`, () => d.client.connection.state !== 'online', [clientEvents(d.client)]);
}

/** The bytes as the device keeps them (one value, or ATTACH-3's parts above one chunk). */
const storedBytes = (d: TestDevice, convId: string, blobId: string): Promise<Uint8Array | undefined> =>
  new AttachmentStore(d.storage).bytes(convId as ConversationId, blobId);

const pendingUploads = async (d: TestDevice): Promise<string[]> => d.storage.listKv('upload:');

/** Byte equality (vitest's deep toEqual walks a typed array element by element: seconds for 300 KB). */
export function expectSame(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual?.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual ?? []).equals(Buffer.from(expected))).toBe(true);
}

/** Storage has no events: poll it (briefly) for a state the uploader reaches right after an answer. */
export function eventually(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  return waitFor(what, check, { timeoutMs: ms, intervalMs: 10 });
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof ConcordError ? err.code : `not a ConcordError: ${String(err)}`;
  }
  return 'resolved';
}

/** Wait until `d` can read the message's bytes (the upload may still be on its way). */
async function fetchedBytes(d: TestDevice, m: Message): Promise<Uint8Array> {
  let bytes = null as Uint8Array | null;
  await waitFor(
    'the attachment to be downloadable',
    async () => {
      try {
        bytes = await d.client.attachmentBytes(m);
        return true;
      } catch (err) {
        if (!(err instanceof ConcordError && err.code === 'attachment_unavailable')) throw err;
        return false;
      }
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  );
  if (bytes === null) throw new Error('unreachable: waited for the bytes');
  return bytes;
}

export function attachmentScenarios(world: () => World): void {
  it('[ATTACH-1] an attachment sent offline is listed at once (attachment, status sending, bytes readable here); online, it reaches the server and the other devices read the same bytes', async () => {
    const w = world();
    const { a1, a2, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    await goOffline(w, a1);
    const bytes = sampleBytes(300_000);
    const blobId = blobIdOf(bytes);
    const sent = await c1.sendAttachment(bytes, { type: 'image', name: 'cat.png', mime: 'image/png' });

    const listed = c1.messages().find((m) => m.id === sent.id);
    expect(listed).toMatchObject({
      type: 'image',
      body: 'cat.png',
      status: 'sending',
      attachment: { url: `/v1/conversations/${convId}/blobs/${blobId}`, name: 'cat.png', mime: 'image/png', size: 300_000 },
    });
    expectSame(await a1.client.attachmentBytes(sent), bytes);
    expect(await pendingUploads(a1)).toEqual([`upload:${convId}/${blobId}`]);

    w.be.online(a1);
    await a1.waitOnline();
    await until('sent', () => c1.message(sent.id)?.status !== 'sending', [convEvents(c1)], 10_000);
    const cb = await b.client.conversation(convId);
    await until('bob has the message', () => cb.message(sent.id) !== null, [convEvents(cb)], 10_000);
    const atBob = cb.message(sent.id);
    if (atBob === null) throw new Error('no message at bob');
    expect(atBob.attachment).toEqual(listed?.attachment);
    expectSame(await fetchedBytes(b, atBob), bytes);
    // Kept: the next read is local (no server needed).
    expectSame(await storedBytes(b, convId, blobId), bytes);
    const c2 = await a2.client.conversation(convId);
    await until('alice-2 has the message', () => c2.message(sent.id) !== null, [convEvents(c2)], 10_000);
    const atA2 = c2.message(sent.id);
    if (atA2 === null) throw new Error('no message at alice-2');
    expectSame(await fetchedBytes(a2, atA2), bytes);
    // The upload is done: its record is gone, the sender's copy stays.
    await eventually('the upload record is gone', async () => (await pendingUploads(a1)).length === 0);
    expectSame(await storedBytes(a1, convId, blobId), bytes);
  });

  it('[ATTACH-1] a pending upload survives a restart while offline and goes out on reconnect', async () => {
    const w = world();
    const { a1, b, convId } = await threeDevices(w);
    await goOffline(w, a1);
    const c1 = await a1.client.conversation(convId);
    const bytes = sampleBytes(4096, 7);
    const sent = await c1.sendAttachment(bytes, { type: 'voice', name: 'Voice message', mime: 'audio/webm;codecs=opus', durationMs: 3200 });
    await a1.restart();
    const again = await a1.client.conversation(convId);
    const m = again.message(sent.id);
    expect(m?.status).toBe('sending');
    expect(m?.attachment).toMatchObject({ mime: 'audio/webm;codecs=opus', durationMs: 3200, size: 4096 });
    if (m === null) throw new Error('message lost in the restart');
    expectSame(await a1.client.attachmentBytes(m), bytes);
    expect(await pendingUploads(a1)).toHaveLength(1);

    w.be.online(a1);
    const cb = await b.client.conversation(convId);
    await until('bob receives it', () => cb.message(sent.id) !== null, [convEvents(cb)], 10_000);
    const atBob = cb.message(sent.id);
    if (atBob === null) throw new Error('no message at bob');
    expectSame(await fetchedBytes(b, atBob), bytes);
  });

  it('[ATTACH-2] attachmentBytes of a blob its sender has not uploaded yet fails with attachment_unavailable; once uploaded it is the same bytes', async () => {
    const w = world();
    const { a1, b, convId } = await threeDevices(w);
    const c1 = await a1.client.conversation(convId);
    const cb = await b.client.conversation(convId);
    await goOffline(w, a1);
    const bytes = sampleBytes(1000, 3);
    const sent = await c1.sendAttachment(bytes, { type: 'file', name: 'notes.pdf', mime: 'application/pdf' });
    // The message itself can reach bob only through the server; bob reads the url the message will carry.
    expect(await codeOf(b.client.attachmentBytes(sent))).toBe('attachment_unavailable');
    // Nothing was kept for a failed read.
    expect(await b.storage.listKv(`blob:`)).toEqual([]);
    w.be.online(a1);
    await until('bob has the message', () => cb.message(sent.id) !== null, all(cb), 10_000);
    const atBob = cb.message(sent.id);
    if (atBob === null) throw new Error('no message at bob');
    expectSame(await fetchedBytes(b, atBob), bytes);
  });
}
