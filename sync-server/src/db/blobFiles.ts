/**
 * Blob bytes on disk (SPEC BLOB-1..3): one file per content, `<dataDir>/blobs/<first 2 hex of the id>/<id>`, shared
 * by every conversation that holds it (the rows are in `conversation_blobs`, db/blobs.ts). An upload is written to a
 * temporary file next to its final path, fsynced, renamed, and the directory fsynced, so a path that exists always
 * holds the whole blob, even after a power loss; the two hex digits keep any one directory small.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const TEMP_SUFFIX = '.tmp';

/** The bytes of one stored blob, ready to be streamed. */
export interface BlobFile {
  readonly size: number;
  /** Streams the file and closes it; the caller must consume or destroy it. */
  readonly stream: Readable;
}

export class BlobFiles {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
    // 0o700 like the data dir: the bytes are private to the conversations' members.
    if (mkdirSync(this.root, { recursive: true, mode: 0o700 }) !== undefined) syncDirNow(dataDir);
    this.removeTempFiles();
  }

  pathOf(blobId: string): string {
    return join(this.root, blobId.slice(0, 2), blobId);
  }

  /** A new temporary file for an upload of `blobId`, in the directory of its final path (so rename is atomic). */
  async begin(blobId: string): Promise<BlobUpload> {
    const dir = join(this.root, blobId.slice(0, 2));
    if ((await fs.mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined) await syncDir(this.root);
    const tempPath = join(dir, `${blobId}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    // 'wx': a fresh file, never someone else's.
    const handle = await fs.open(tempPath, 'wx', 0o600);
    return new BlobUpload(handle, tempPath, dir, this.pathOf(blobId));
  }

  /**
   * [UPLOAD-3] A finished resumable upload's file (fsynced, on the same file system) as an upload of `blobId`: its
   * commit renames it into place like a whole-body upload's temporary file.
   */
  async adopt(path: string, blobId: string): Promise<BlobUpload> {
    const dir = join(this.root, blobId.slice(0, 2));
    if ((await fs.mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined) await syncDir(this.root);
    return new BlobUpload(await fs.open(path, 'r+'), path, dir, this.pathOf(blobId));
  }

  /** The ids of the blob files on disk (BLOB-7's sweep of files no row holds). */
  async *ids(): AsyncIterable<string> {
    for (const shard of await fs.readdir(this.root, { withFileTypes: true })) {
      if (!shard.isDirectory()) continue;
      for (const name of await fs.readdir(join(this.root, shard.name))) {
        if (!name.endsWith(TEMP_SUFFIX)) yield name;
      }
    }
  }

  /**
   * Opens a stored blob; null if its file is not there. `range` (BLOB-6): only bytes `start..end` (inclusive) are
   * streamed; `size` is still the whole file's.
   */
  async open(blobId: string, range?: { readonly start: number; readonly end: number }): Promise<BlobFile | null> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(blobId), 'r');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      return { size, stream: handle.createReadStream({ autoClose: true, ...(range === undefined ? {} : { start: range.start, end: range.end }) }) };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Deletes a blob's file (a row-less file, after its row could not be written). */
  async remove(blobId: string): Promise<void> {
    await fs.rm(this.pathOf(blobId), { force: true });
  }

  /**
   * Uploads cut off by a crash or a kill leave their temporary files behind (BLOB-3); at start, before any upload of
   * this process has begun, every one of them is stale.
   */
  private removeTempFiles(): void {
    for (const shard of readdirSync(this.root, { withFileTypes: true })) {
      if (!shard.isDirectory()) continue;
      const dir = join(this.root, shard.name);
      for (const name of readdirSync(dir)) {
        if (name.endsWith(TEMP_SUFFIX)) rmSync(join(dir, name), { force: true });
      }
    }
  }
}

/** One upload in progress: written chunk by chunk, then either committed to its final path or discarded. */
export class BlobUpload {
  private closed = false;

  constructor(
    private readonly handle: fs.FileHandle,
    readonly tempPath: string,
    private readonly dir: string,
    private readonly finalPath: string,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }

  /**
   * Makes the bytes durable at the final path: fsync, rename, fsync of the directory. When the final path already
   * holds the blob (same content, uploaded before, to this or another conversation), the temporary file is just
   * dropped. Returns whether this call created the final file. Callers serialize commits of one blob id.
   */
  async commit(): Promise<boolean> {
    if (await exists(this.finalPath)) {
      await this.discard();
      return false;
    }
    try {
      await this.handle.sync();
      await this.close();
      await fs.rename(this.tempPath, this.finalPath);
    } catch (err) {
      await this.discard();
      throw err;
    }
    await syncDir(this.dir);
    return true;
  }

  /** Closes and deletes the temporary file; never throws (it runs on every failure path). */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await fs.rm(this.tempPath, { force: true }).catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** A rename or a new entry is durable only once its directory is fsynced (Linux; Windows cannot open directories). */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function syncDirNow(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}
