/*
 * HAPP-ATTACH-1: a picked image's bytes, read the way the chat page reads them (`@ohos.file.fs` openSync, statSync,
 * one readSync, closeSync), here on node:fs; and the name and mime type the page sends with them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PickedFileTooBig, readPickedFile, type FileIoModule, type FileStat, type OpenedFile } from '../entry/src/main/ets/platform/pickedFile';
import { fileNameOfUri, imageMimeOf } from '../entry/src/main/ets/logic/attachmentText';

/** `@ohos.file.fs`'s subset on node:fs, recording what is open. */
class NodeFileIo implements FileIoModule {
  readonly open = new Set<number>();
  openSync(path: string, mode?: number): OpenedFile {
    const fd = nodeFs.openSync(path, mode === 0 || mode === undefined ? 'r' : 'r+');
    this.open.add(fd);
    return { fd };
  }
  statSync(file: string | number): FileStat {
    return { size: typeof file === 'number' ? nodeFs.fstatSync(file).size : nodeFs.statSync(file).size };
  }
  readSync(fd: number, buffer: ArrayBuffer, ...more: unknown[]): number {
    // The adapter passes no read options (a position would be ambiguous, see pickedFile.ts).
    expect(more).toEqual([]);
    return nodeFs.readSync(fd, new Uint8Array(buffer), 0, buffer.byteLength, null);
  }
  closeSync(fd: number): void {
    nodeFs.closeSync(fd);
    this.open.delete(fd);
  }
}

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
  it('HAPP-ATTACH-1 reads a picked file\'s exact bytes and closes it', () => {
    const io = new NodeFileIo();
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 7 + 255) & 0xff);
    expect(readPickedFile(io, fileWith(bytes), 1_000_000)).toEqual(bytes);
    expect(io.open.size).toBe(0);
  });

  it('HAPP-ATTACH-1 refuses a file over the limit without reading it, and closes it', () => {
    const io = new NodeFileIo();
    let reads = 0;
    const read = io.readSync.bind(io);
    io.readSync = (fd, buffer, options) => {
      reads++;
      return read(fd, buffer, options);
    };
    expect(() => readPickedFile(io, fileWith(new Uint8Array(1001)), 1000)).toThrow(PickedFileTooBig);
    expect(reads).toBe(0);
    expect(io.open.size).toBe(0);
  });

  it('HAPP-ATTACH-1 names and types the picked image from its URI', () => {
    expect(fileNameOfUri('file://media/Photo/12/IMG_1700000000_011/IMG_20261204_101500.jpg', 'image.jpg')).toBe('IMG_20261204_101500.jpg');
    expect(fileNameOfUri('file://media/Photo/3/x/%E7%8C%AB%20cat.PNG?networkid=1', 'image.jpg')).toBe('猫 cat.PNG');
    expect(fileNameOfUri('file://media/Photo/3/', 'image.jpg')).toBe('image.jpg');
    expect(fileNameOfUri('file://media/Photo/3/bad%E0name.gif', 'image.jpg')).toBe('bad%E0name.gif');
    expect(imageMimeOf('猫 cat.PNG')).toBe('image/png');
    expect(imageMimeOf('a.webp')).toBe('image/webp');
    expect(imageMimeOf('IMG_1.heic')).toBe('image/heic');
    expect(imageMimeOf('IMG_1.jpg')).toBe('image/jpeg');
    expect(imageMimeOf('no-extension')).toBe('image/jpeg');
  });
});
