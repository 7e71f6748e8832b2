/**
 * Online backup and offline restore of a data dir (SPEC ADMIN-4, ADMIN-5).
 *
 * Backup, while the server may be running: SQLite's online backup API (better-sqlite3 `db.backup()`) copies the
 * database as of one transaction, whatever the server commits meanwhile; then the blob files that this copy's
 * `conversation_blobs` rows name are copied. That is consistent because blob files are immutable and named by
 * their hash, and a blob's file is renamed into place before its row commits (BLOB-1): every row in the copy has
 * its file, and files newer than the copy are not needed by it.
 */
import { copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync, constants } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE_NAME, openDatabase } from '../db/open.js';
import { AdminError } from './operations.js';

export const BACKUP_MANIFEST = 'concord-backup.json';

interface Manifest {
  readonly format: 'concord-backup';
  readonly version: 1;
  readonly createdAt: number;
  readonly blobs: number;
}

function blobPath(root: string, blobId: string): string {
  return join(root, 'blobs', blobId.slice(0, 2), blobId);
}

function blobIdsOf(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT DISTINCT blob_id FROM conversation_blobs ORDER BY blob_id').pluck().all() as string[];
  } finally {
    db.close();
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function copyBlobs(fromRoot: string, toRoot: string, ids: readonly string[]): void {
  for (const id of ids) {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new AdminError(`unexpected blob id ${JSON.stringify(id)} in the database`);
    const target = blobPath(toRoot, id);
    mkdirSync(join(toRoot, 'blobs', id.slice(0, 2)), { recursive: true, mode: 0o700 });
    const source = blobPath(fromRoot, id);
    if (!existsSync(source)) throw new AdminError(`blob ${id} is in the database but its file is missing`);
    copyFileSync(source, target, constants.COPYFILE_EXCL);
    fsyncFile(target);
  }
}

/** [ADMIN-4] Writes a backup of `dataDir` into the new or empty directory `dest`. */
export async function backup(dataDir: string, dest: string, now: number = Date.now()): Promise<Manifest> {
  if (existsSync(dest) && readdirSync(dest).length > 0) throw new AdminError(`${dest} exists and is not empty`);
  mkdirSync(dest, { recursive: true, mode: 0o700 });
  const db = openDatabase(dataDir);
  try {
    await db.backup(join(dest, DB_FILE_NAME));
  } finally {
    db.close();
  }
  fsyncFile(join(dest, DB_FILE_NAME));
  const ids = blobIdsOf(join(dest, DB_FILE_NAME));
  copyBlobs(dataDir, dest, ids);
  const manifest: Manifest = { format: 'concord-backup', version: 1, createdAt: now, blobs: ids.length };
  // Written last: a backup directory without its manifest is an interrupted one, and restore refuses it.
  writeFileSync(join(dest, BACKUP_MANIFEST), `${JSON.stringify(manifest)}\n`, { mode: 0o600 });
  fsyncFile(join(dest, BACKUP_MANIFEST));
  return manifest;
}

/**
 * [ADMIN-5] Restores the backup directory `source` into `dataDir`, which must be a stopped server's (or a new)
 * data dir. Refuses to replace an existing database unless `force`; then the old database, its WAL and its blobs
 * are removed first. The backup is checked (manifest, `PRAGMA integrity_check`) before anything is touched.
 */
export function restore(source: string, dataDir: string, force: boolean): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(source, BACKUP_MANIFEST), 'utf8')) as Manifest;
  } catch {
    throw new AdminError(`${source} is not a complete Concord backup (no readable ${BACKUP_MANIFEST})`);
  }
  if (manifest.format !== 'concord-backup' || manifest.version !== 1) throw new AdminError(`${source}: unknown backup format`);
  const backupDb = new Database(join(source, DB_FILE_NAME), { readonly: true, fileMustExist: true });
  try {
    const check = backupDb.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new AdminError(`${source}: the database copy is damaged (${String(check)})`);
  } finally {
    backupDb.close();
  }
  const target = join(dataDir, DB_FILE_NAME);
  if (existsSync(target)) {
    if (!force) throw new AdminError(`${dataDir} already holds a database; stop its server and pass --force to replace it`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    rmSync(join(dataDir, 'blobs'), { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  copyFileSync(join(source, DB_FILE_NAME), target);
  fsyncFile(target);
  copyBlobs(source, dataDir, blobIdsOf(target));
  return manifest;
}
