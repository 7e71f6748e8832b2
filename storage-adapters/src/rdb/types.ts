/**
 * The subset of `@ohos.data.relationalStore` (API 12) that the RDB adapter uses, typed as the SDK declares it
 * (harmony-app/third_party/openharmony-sdk-5.0.0/api/@ohos.data.relationalStore.d.ts). This is the contract that
 * both the adapter and the Node stand-in are checked against; harmony-app's check-ets.mjs proves the real `RdbStore`
 * is assignable to it.
 */

/** `relationalStore.Asset` (API 10): a file the store manages. The adapter never stores one (see ValueType). */
export interface Asset {
  name: string;
  uri: string;
  path: string;
  createTime: string;
  modifyTime: string;
  size: string;
  /** `relationalStore.AssetStatus`, a numeric enum. */
  status?: number;
}

/** `relationalStore.Assets` (API 10). */
export type Assets = Asset[];

/**
 * API 12 `ValueType`, in full: what a real store's `executeSync` is declared to return. The adapter itself binds
 * and reads only null, numbers, strings and `Uint8Array`s; the rest is here so the real `RdbStore` fits this type.
 */
export type ValueType = null | number | string | boolean | Uint8Array | Asset | Assets | Float32Array | bigint;

/** API 11+: `ValuesBucket = Record<string, ValueType>`. */
export type ValuesBucket = Record<string, ValueType>;

/** `@ohos.base` BusinessError: an Error with a numeric `code`. */
export interface BusinessError extends Error {
  code: number;
}

export const ConflictResolution = {
  ON_CONFLICT_NONE: 0,
  ON_CONFLICT_ROLLBACK: 1,
  ON_CONFLICT_ABORT: 2,
  ON_CONFLICT_FAIL: 3,
  ON_CONFLICT_IGNORE: 4,
  ON_CONFLICT_REPLACE: 5,
} as const;
export type ConflictResolution = (typeof ConflictResolution)[keyof typeof ConflictResolution];

/** `BusinessError.code` values the RDB documents (reference §1). */
export const RdbErrorCode = {
  PARAMETER_ERROR: 401,
  NOT_SUPPORTED: 801,
  INNER_ERROR: 14800000,
  INVALID_ARGS: 14800001,
  INVALID_PATH: 14800010,
  CORRUPTED: 14800011,
  ROW_OUT_OF_RANGE: 14800012,
  COLUMN_OUT_OF_RANGE: 14800013,
  ALREADY_CLOSED: 14800014,
  NOT_RESPONDING: 14800015,
  CONFIG_CHANGED: 14800017,
  NO_DATA: 14800018,
  NOT_A_QUERY: 14800019,
  KEY_LOST: 14800020,
  SQLITE_ERROR: 14800021,
  SQLITE_ABORT: 14800022,
  SQLITE_PERM: 14800023,
  SQLITE_BUSY: 14800024,
  SQLITE_LOCKED: 14800025,
  SQLITE_NOMEM: 14800026,
  SQLITE_READONLY: 14800027,
  SQLITE_IOERR: 14800028,
  SQLITE_FULL: 14800029,
  SQLITE_CANTOPEN: 14800030,
  SQLITE_TOOBIG: 14800031,
  SQLITE_CONSTRAINT: 14800032,
  SQLITE_MISMATCH: 14800033,
  SQLITE_MISUSE: 14800034,
  WAL_SIZE_OVER_LIMIT: 14800047,
} as const;

/** A cursor over a query's rows. `rowIndex` starts at -1: call `goToNextRow()` before reading. */
export interface ResultSet {
  readonly columnNames: string[];
  readonly columnCount: number;
  readonly rowCount: number;
  readonly rowIndex: number;
  readonly isAtFirstRow: boolean;
  readonly isAtLastRow: boolean;
  readonly isEnded: boolean;
  readonly isStarted: boolean;
  readonly isClosed: boolean;
  getColumnIndex(columnName: string): number;
  getColumnName(columnIndex: number): string;
  goTo(offset: number): boolean;
  goToRow(position: number): boolean;
  goToFirstRow(): boolean;
  goToLastRow(): boolean;
  goToNextRow(): boolean;
  goToPreviousRow(): boolean;
  getBlob(columnIndex: number): Uint8Array;
  getString(columnIndex: number): string;
  getLong(columnIndex: number): number;
  getDouble(columnIndex: number): number;
  isColumnNull(columnIndex: number): boolean;
  close(): void;
}

export interface RdbStore {
  /** Refuses ATTACH/BEGIN/COMMIT/ROLLBACK with 801 from API 12. */
  executeSql(sql: string, bindArgs?: ValueType[]): Promise<void>;
  /** (12) The insert's row id, the changed-row count of an update/delete, or null. */
  executeSync(sql: string, args?: ValueType[]): ValueType;
  /** Only SELECT; anything else fails with 14800019. */
  querySql(sql: string, bindArgs?: ValueType[]): Promise<ResultSet>;
  querySqlSync(sql: string, bindArgs?: ValueType[]): ResultSet;
  insert(table: string, values: ValuesBucket, conflict?: ConflictResolution): Promise<number>;
  insertSync(table: string, values: ValuesBucket, conflict?: ConflictResolution): number;
  batchInsert(table: string, values: ValuesBucket[]): Promise<number>;
  batchInsertSync(table: string, values: ValuesBucket[]): number;
  /** Synchronous; the capital B in `rollBack` is the real spelling. */
  beginTransaction(): void;
  commit(): void;
  rollBack(): void;
  /** (12) */
  close(): Promise<void>;
}

/** Permissive on purpose: some system callbacks hand over a plain `{code, message}` object, not an Error. */
export function isBusinessError(err: unknown): err is BusinessError {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number';
}
