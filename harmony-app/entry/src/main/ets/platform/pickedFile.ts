/*
 * A picked file's bytes (HAPP-ATTACH-1): the photo picker returns a URI; `@ohos.file.fs` opens it read-only, its
 * size decides the buffer (refused above the attachment limit before anything is read), one readSync fills it, and
 * the file is closed whatever happens. One read of the whole size, with no `options`: whether ReadOptions.offset is
 * a file position or relative to the file pointer differs between the SDK's comments, so none is passed; a short
 * read is reported instead of guessed around. Plain TS with the module injected, so it is tested on node:fs.
 */

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
  // No options are passed (see above); the API 12 SDK does not export their type (`fs.ReadOptions`) anyway.
  readSync(fd: number, buffer: ArrayBuffer): number;
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

export function readPickedFile(io: FileIoModule, uri: string, maxBytes: number): Uint8Array {
  const file = io.openSync(uri, READ_ONLY);
  try {
    const size = io.statSync(file.fd).size;
    if (size > maxBytes) throw new PickedFileTooBig(size, maxBytes);
    const buffer = new ArrayBuffer(size);
    const n = size === 0 ? 0 : io.readSync(file.fd, buffer);
    if (n !== size) throw new Error(`read ${n} of the file's ${size} bytes`);
    return new Uint8Array(buffer);
  } finally {
    io.closeSync(file.fd);
  }
}
