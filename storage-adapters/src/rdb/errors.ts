import {
  StorageBusyError,
  StorageClosedError,
  StorageConstraintError,
  StorageCorruptError,
  StorageError,
  StorageQuotaError,
  StorageTooBigError,
  messageOf,
} from '../errors.js';
import { RdbErrorCode as C, isBusinessError } from './types.js';

/** Maps an RDB BusinessError code to the typed storage error; the original stays as `cause`. */
export function rdbError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const msg = messageOf(err);
  const o = { cause: err };
  if (!isBusinessError(err)) return new StorageError('internal', msg, o);
  switch (err.code) {
    case C.CORRUPTED:
      return new StorageCorruptError(`${msg} (${err.code})`, o);
    case C.ALREADY_CLOSED:
      return new StorageClosedError(`${msg} (${err.code})`, o);
    case C.NOT_RESPONDING:
    case C.SQLITE_BUSY:
    case C.SQLITE_LOCKED:
      return new StorageBusyError(`${msg} (${err.code})`, o);
    case C.SQLITE_CONSTRAINT:
      return new StorageConstraintError(`${msg} (${err.code})`, o);
    case C.SQLITE_FULL:
    case C.WAL_SIZE_OVER_LIMIT:
      return new StorageQuotaError(`${msg} (${err.code})`, o);
    case C.SQLITE_TOOBIG:
      return new StorageTooBigError(`${msg} (${err.code})`, o);
    case C.SQLITE_CANTOPEN:
    case C.SQLITE_IOERR:
    case C.SQLITE_PERM:
    case C.SQLITE_READONLY:
    case C.INVALID_PATH:
      return new StorageError('io', `${msg} (${err.code})`, o);
    case C.NOT_SUPPORTED:
      return new StorageError('unsupported', `${msg} (${err.code})`, o);
    default:
      return new StorageError('internal', `${msg} (${err.code})`, o);
  }
}
