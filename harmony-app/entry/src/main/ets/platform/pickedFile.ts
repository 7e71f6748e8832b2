/*
 * A picked file as client-core's AttachmentSource (HAPP-ATTACH-1, HAPP-ATTACH-2): the photo picker returns a URI;
 * `@ohos.file.fs` opens it read-only, its size is known up front (refused above the attachment limit before anything
 * is read), and client-core reads it chunk by chunk with the async `read` (the native side does the I/O; the UI
 * thread only gets each chunk), so no whole-file buffer or synchronous read of 25 MiB happens on the UI thread.
 *
 * Reads go in order from 0 and pass only `length`: the file's own position advances with each read. Whether
 * ReadOptions.offset is a file position or relative to the file pointer differs between the SDK's comments, so no
 * offset is passed and a read that is not at the current position is refused instead of guessed around. A read
 * that returns less than asked continues (the OS may split a read); one that returns 0 before the size (the file
 * shrank) fails. Plain TS with the module injected, so it is tested on node:fs (test/standins/fileIo.ts).
 */
import type { ReadOptions } from '@ohos.file.fs';
import type { AttachmentSource } from '@concord/client-core';

/** What is read of `fs.File` and `fs.Stat` (real ones are these). */
export interface OpenedFile {
  readonly fd: number;
}
export interface FileStat {
  readonly size: number;
}

/** The part of `@ohos.file.fs` used here, with the SDK's signatures narrowed to what is passed. */
export interface FileIoModule {
  openSync(path: string, mode?: number): OpenedFile;
  statSync(file: string | number): FileStat;
  /**
   * (9) Bytes read into `buffer` from its start; without `offset`, at the file's position, which advances. The SDK's
   * `ReadOptions` (offset, length; a top-level export of the module, not one of `fs.`); only `length` is passed.
   */
  read(fd: number, buffer: ArrayBuffer, options?: ReadOptions): Promise<number>;
  closeSync(file: number): void;
}

/** The file is larger than the attachment limit: nothing was read. */
export class PickedFileTooBig extends Error {
  readonly size: number;
  constructor(size: number, max: number) {
    super(`the file has ${size} bytes; an attachment is at most ${max}`);
    this.name = 'PickedFileTooBig';
    this.size = size;
  }
}

const READ_ONLY = 0;

/** An open picked file; `close()` it when the send is done or failed. */
export class PickedFile implements AttachmentSource {
  readonly size: number;
  private position = 0;
  private closed = false;

  private readonly io: FileIoModule;
  private readonly file: OpenedFile;

  private constructor(io: FileIoModule, file: OpenedFile, size: number) {
    this.io = io;
    this.file = file;
    this.size = size;
  }

  /** Opens the URI and learns its size; throws PickedFileTooBig (file closed again) above `maxBytes`. */
  static open(io: FileIoModule, uri: string, maxBytes: number): PickedFile {
    const file = io.openSync(uri, READ_ONLY);
    let size = 0;
    try {
      size = io.statSync(file.fd).size;
      if (size > maxBytes) throw new PickedFileTooBig(size, maxBytes);
    } catch (e) {
      io.closeSync(file.fd);
      throw e as Error;
    }
    return new PickedFile(io, file, size);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (this.closed) throw new Error('the picked file is closed');
    if (offset !== this.position) throw new Error(`reads go in order: asked at ${offset}, the file is at ${this.position}`);
    const want = Math.min(length, this.size - offset);
    const buffer = new ArrayBuffer(want);
    let got = 0;
    while (got < want) {
      const options: ReadOptions = { length: want - got };
      // A view of the rest of the buffer is not an ArrayBuffer the module takes: read into a fresh one, then copy.
      const part = got === 0 ? buffer : new ArrayBuffer(want - got);
      const n = await this.io.read(this.file.fd, part, options);
      if (n <= 0) throw new Error(`the file ended after ${offset + got} of its ${this.size} bytes`);
      if (part !== buffer) new Uint8Array(buffer).set(new Uint8Array(part, 0, n), got);
      got += n;
    }
    this.position = offset + want;
    return new Uint8Array(buffer);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.io.closeSync(this.file.fd);
  }
}
