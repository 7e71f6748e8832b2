#!/usr/bin/env node
/**
 * The operator's CLI (SPEC ADMIN-*): `node sync-server/dist/admin.js [--data <dir>] <command> [args]`.
 * Works on the data dir directly, with or without the server running (except restore, which needs it stopped).
 * Exit codes: 0 done, 1 failed, 2 usage, 3 refused (an unknown user, a non-empty target, an overwrite without --force).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AdminError, AdminOps } from './admin/operations.js';
import { backup, restore } from './admin/backup.js';
import { DEFAULT_DATA_DIR } from './config.js';
import { DB_FILE_NAME, openDatabase } from './db/open.js';

const USAGE = `Usage: concord-admin [--data <dir>] <command>

  disable-user <username>    the account cannot log in; every session is revoked (sockets close within the
                             server's session sweep, 30 s by default)
  enable-user <username>     undoes disable-user (the user logs in again)
  revoke-sessions <username> signs every device of the account out
  stats                      users, devices, conversations, docs, stored bytes, blobs (one JSON line)
  backup <dir>               online backup (the server may run) into a new or empty directory
  restore <dir> [--force]    restores a backup into the data dir of a STOPPED server; --force replaces its data

  --data   data directory (env CONCORD_DATA, default ${DEFAULT_DATA_DIR})
`;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: { data: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help === true) return USAGE;
  const dataDir = values.data ?? env['CONCORD_DATA'] ?? DEFAULT_DATA_DIR;
  const [command, arg, ...rest] = positionals;
  const needsArg = command !== 'stats';
  if (command === undefined || (needsArg && arg === undefined) || rest.length > 0 || (!needsArg && arg !== undefined)) {
    throw new UsageError('expected one command and its one argument');
  }
  const target = arg ?? '';
  if (command === 'backup') return JSON.stringify(await backup(dataDir, target));
  if (command === 'restore') return JSON.stringify(restore(target, dataDir, values.force === true));
  const db = openDatabase(dataDir);
  try {
    const ops = new AdminOps(db);
    switch (command) {
      case 'disable-user':
        return JSON.stringify(ops.disableUser(target));
      case 'enable-user':
        ops.enableUser(target);
        return JSON.stringify({ enabled: true });
      case 'revoke-sessions':
        return JSON.stringify(ops.revokeSessions(target));
      case 'stats':
        return JSON.stringify(ops.stats(fileSize(join(dataDir, `${DB_FILE_NAME}-wal`))));
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } finally {
    db.close();
  }
}

class UsageError extends Error {}

run(process.argv.slice(2), process.env).then(
  (out) => {
    process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof AdminError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(3);
    }
    process.stderr.write(`concord-admin failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
