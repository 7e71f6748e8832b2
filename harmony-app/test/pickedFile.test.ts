/*
 * HAPP-ATTACH-1/2: a picked file as the chat page opens it (`@ohos.file.fs` openSync, statSync, then async reads of
 * at most what client-core asks, in order, closeSync), here on the node:fs stand-in. The name and mime type the page
 * sends with it are client-core's (client-core/test/view/attachment.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PickedFile, PickedFileTooBig } from '../entry/src/main/ets/platform/pickedFile';
import { StandinFileIo } from './standins/fileIo';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});
function fileWith(bytes: Uint8Array): string {
  const dir = nodeFs.mkdtempSync(join(tmpdir(), 'concord-pick-'));
  dirs.push(dir);
  const p = join(dir, 'IMG_20261204_101500.jpg');
  nodeFs.writeFileSync(p, bytes);
  return p;
}

describe('HAPP-ATTACH-1 picked files', () => {
  it('HAPP-ATTACH-2 reads a picked file\'s exact bytes in the chunks asked for, in order, and closes it', async () => {
    const io = new StandinFileIo();
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7 + 255) & 0xff);
    const f = PickedFile.open(io, fileWith(bytes), 1_000_000);
    expect(f.size).toBe(200_000);
    const parts: Uint8Array[] = [];
    for (let at = 0; at < f.size; at += 65_536) parts.push(await f.read(at, 65_536));
    f.close();
    expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
    expect(Math.max(...io.reads)).toBeLessThanOrEqual(65_536);
    expect(io.reads).toHaveLength(4);
    expect(io.open.size).toBe(0);
  });

  it('HAPP-ATTACH-2 refuses a read out of order, and a file that ended before its size', async () => {
    const io = new StandinFileIo();
    const f = PickedFile.open(io, fileWith(new Uint8Array(1000)), 10_000);
    await expect(f.read(500, 100)).rejects.toThrow('reads go in order');
    f.close();
    await expect(f.read(0, 100)).rejects.toThrow('closed');
    io.statOverride = 2000;
    const grown = PickedFile.open(io, fileWith(new Uint8Array(1000)), 10_000);
    await expect(grown.read(0, 2000)).rejects.toThrow('the file ended after 1000 of its 2000 bytes');
    grown.close();
    expect(io.open.size).toBe(0);
  });

  it('HAPP-ATTACH-1 refuses a file over the limit without reading it, and closes it', () => {
    const io = new StandinFileIo();
    expect(() => PickedFile.open(io, fileWith(new Uint8Array(1001)), 1000)).toThrow(PickedFileTooBig);
    expect(io.reads).toHaveLength(0);
    expect(io.open.size).toBe(0);
  });
});
