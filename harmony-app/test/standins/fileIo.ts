/*
 * Stand-in for the `@ohos.file.fs` subset the picker adapter uses, on node:fs: openSync (mode 0 = READ_ONLY),
 * statSync, closeSync, and the async read (API 9): without `options.offset` it reads at the file's position and
 * advances it (Node's position `null`), up to `options.length` or the buffer's size; a closed fd fails with
 * 13900008 (bad file descriptor). It records every read's requested length and how many reads ran at once.
 */
import nodeFs from 'node:fs';
import type { ReadOptions } from '@ohos.file.fs';
import type { FileIoModule, FileStat, OpenedFile } from '../../entry/src/main/ets/platform/pickedFile';
import { businessError } from './nativeWebSocket';

export class StandinFileIo implements FileIoModule {
  readonly open = new Set<number>();
  readonly reads: number[] = [];
  /** Replaces the size statSync reports (a file that shrinks or grows after it was picked). */
  statOverride: number | null = null;

  openSync(path: string, mode?: number): OpenedFile {
    const fd = nodeFs.openSync(path, mode === 0 || mode === undefined ? 'r' : 'r+');
    this.open.add(fd);
    return { fd };
  }
  statSync(file: string | number): FileStat {
    const size = typeof file === 'number' ? nodeFs.fstatSync(file).size : nodeFs.statSync(file).size;
    return { size: this.statOverride ?? size };
  }
  read(fd: number, buffer: ArrayBuffer, options?: ReadOptions): Promise<number> {
    const length = Math.min(options?.length ?? buffer.byteLength, buffer.byteLength);
    this.reads.push(length);
    return new Promise((resolve, reject) => {
      if (!this.open.has(fd)) {
        reject(businessError(13900008, 'Bad file descriptor'));
        return;
      }
      nodeFs.read(fd, new Uint8Array(buffer), 0, length, null, (err, n) => (err ? reject(businessError(13900005, `I/O error: ${err.message}`)) : resolve(n)));
    });
  }
  closeSync(fd: number): void {
    nodeFs.closeSync(fd);
    this.open.delete(fd);
  }
}
