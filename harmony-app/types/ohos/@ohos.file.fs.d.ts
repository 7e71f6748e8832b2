/*
 * @ohos.file.fs (API 9+; subset), from interface_sdk-js api/@ohos.file.fs.d.ts: open a picked file's URI read-only,
 * learn its size, read it into an ArrayBuffer, close it. Not in the project's reference; the signatures were read
 * from the SDK declarations (see harmony-app/README.md).
 */
declare namespace fileIo {
  namespace OpenMode {
    const READ_ONLY = 0o0;
  }
  interface File {
    readonly fd: number;
  }
  interface Stat {
    readonly size: number;
  }
  interface ReadOptions {
    offset?: number;
    length?: number;
  }
  /** (9) `path`: a sandbox path or a file URI (a picker's result). */
  function openSync(path: string, mode?: number): File;
  /** (9) */
  function statSync(file: string | number): Stat;
  /** (9) Bytes read into `buffer` (from its start), asynchronously; without `offset`, at the file's position. */
  function read(fd: number, buffer: ArrayBuffer, options?: ReadOptions): Promise<number>;
  /** (9) Bytes read into `buffer` (from its start). */
  function readSync(fd: number, buffer: ArrayBuffer, options?: ReadOptions): number;
  /** (9) */
  function closeSync(file: number | File): void;
}
export default fileIo;
