/**
 * The error vocabulary of the storage seam. Every adapter maps its engine's failures (SQLite result codes,
 * IndexedDB DOMException names, RDB BusinessError codes) to one of these, so client-core can decide on a
 * retry or a user-visible failure from `code` alone, whatever the platform. The engine's own error is kept
 * as `cause`.
 */

export type StorageErrorCode =
  | 'closed'
  | 'corrupt'
  | 'busy'
  | 'quota'
  | 'too-big'
  | 'constraint'
  | 'io'
  | 'unsupported'
  | 'internal';

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: StorageErrorCode;
  /** A second failure while handling this one (a rollback that failed too), kept so it is not lost. */
  suppressed?: unknown;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The adapter was closed (or the engine reports its store closed); reopen to continue. */
export class StorageClosedError extends StorageError {
  override name = 'StorageClosedError';
  constructor(message = 'storage is closed', options?: { cause?: unknown }) {
    super('closed', message, options);
  }
}

/** The store's file or pages are damaged; retrying will not help. */
export class StorageCorruptError extends StorageError {
  override name = 'StorageCorruptError';
  constructor(message = 'storage is corrupt', options?: { cause?: unknown }) {
    super('corrupt', message, options);
  }
}

/** Another connection holds a lock; a retry later may succeed. */
export class StorageBusyError extends StorageError {
  override name = 'StorageBusyError';
  constructor(message = 'storage is busy or locked', options?: { cause?: unknown }) {
    super('busy', message, options);
  }
}

/** The disk or the browser's quota is full. */
export class StorageQuotaError extends StorageError {
  override name = 'StorageQuotaError';
  constructor(message = 'storage quota exceeded', options?: { cause?: unknown }) {
    super('quota', message, options);
  }
}

/** A single value is larger than the engine accepts. */
export class StorageTooBigError extends StorageError {
  override name = 'StorageTooBigError';
  constructor(message = 'value too big for storage', options?: { cause?: unknown }) {
    super('too-big', message, options);
  }
}

/** A uniqueness or other constraint was violated: a bug in the adapter or a foreign writer on the same store. */
export class StorageConstraintError extends StorageError {
  override name = 'StorageConstraintError';
  constructor(message = 'storage constraint violated', options?: { cause?: unknown }) {
    super('constraint', message, options);
  }
}

export function isStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError;
}

/** Keeps an already-typed error as it is, so wrapping twice never hides the original code. */
export function asStorageError(err: unknown, fallback: (err: unknown) => StorageError): StorageError {
  return err instanceof StorageError ? err : fallback(err);
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    return err.message;
  }
  return String(err);
}
