/**
 * The bytes of resumable uploads (SPEC UPLOAD-2): one file per session, `<dataDir>/uploads/<uploadId>`, on the same
 * file system as `<dataDir>/blobs/` so that a finished upload is renamed into place (BlobFiles.adopt) and never
 * copied. A chunk is written at its offset and fsynced before the session's row says it is there; what a cut-off
 * chunk left beyond the row's offset is cut away before the next chunk is written.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Hash } from 'node:crypto';

export class BlobParts {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'uploads');
    if (mkdirSync(this.root, { recursive: true, mode: 0o700 }) !== undefined && process.platform !== 'win32') {
      const fd = openSync(dataDir, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  pathOf(uploadId: string): string {
    return join(this.root, uploadId);
  }

  /**
   * [UPLOAD-4] Files no session row names: a crash between a row's deletion and its file's, or a row never
   * committed. Called at start, before any request, with every session id there is.
   */
  removeUnnamed(named: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.root)) {
      if (named.has(name)) continue;
      rmSync(join(this.root, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  /**
   * Writes one chunk at `offset` (whatever lay beyond it goes first), feeding `hash` as the bytes arrive, and fsyncs.
   * Returns how many bytes were written. A failure (the body cut off, a full disk) leaves the file at least `offset`
   * long; the row still says `offset`, so the bytes after it do not count.
   */
  async writeChunk(uploadId: string, offset: number, body: AsyncIterable<Buffer>, hash: Hash | null): Promise<number> {
    // 'a+' would ignore positions; 'r+' needs the file: a session whose file is missing starts one (offset 0 only,
    // checked by the caller).
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(uploadId), 'r+');
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT' || offset !== 0) throw err;
      handle = await fs.open(this.pathOf(uploadId), 'w+', 0o600);
    }
    try {
      await handle.truncate(offset);
      let at = offset;
      for await (const chunk of body) {
        hash?.update(chunk);
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, at + done);
          done += bytesWritten;
        }
        at += chunk.length;
      }
      // [UPLOAD-2] Durable before the row moves and the client is told.
      await handle.sync();
      return at - offset;
    } finally {
      await handle.close();
    }
  }

  /** How many bytes the session's file holds (0 when it has none yet). */
  async sizeOf(uploadId: string): Promise<number> {
    try {
      return (await fs.stat(this.pathOf(uploadId))).size;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return 0;
      throw err;
    }
  }

  /** Feeds the first `length` bytes of the session's file to `hash` (a finish after a restart lost the running hash). */
  async hashFile(uploadId: string, length: number, hash: Hash): Promise<void> {
    const handle = await fs.open(this.pathOf(uploadId), 'r');
    try {
      for await (const chunk of handle.createReadStream({ start: 0, end: length - 1, autoClose: false, highWaterMark: 256 * 1024 })) {
        hash.update(chunk as Buffer);
      }
    } finally {
      await handle.close();
    }
  }

  async remove(uploadId: string): Promise<void> {
    await fs.rm(this.pathOf(uploadId), { force: true });
  }
}
