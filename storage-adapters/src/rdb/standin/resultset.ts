import type { ResultSet } from '../types.js';
import { RdbErrorCode as C } from '../types.js';
import { businessError } from './business-error.js';

/** RDB refuses to read back a row above 2 MB (reference §1: "can be inserted successfully but cannot be read"). */
export const RDB_MAX_ROW_READ_BYTES = 2 * 1024 * 1024;

type Cell = null | number | bigint | string | Uint8Array;

const cellBytes = (c: Cell): number =>
  c instanceof Uint8Array ? c.byteLength : typeof c === 'string' ? Buffer.byteLength(c) : 8;

/**
 * A ResultSet over rows the stand-in fetched up front. Positions follow RDB: rowIndex starts at -1, moving past
 * either end returns false, reading off a row is 14800012, a bad column 14800013, anything after close 14800014.
 */
export class StandInResultSet implements ResultSet {
  private index = -1;
  private closed = false;

  constructor(
    readonly columnNames: string[],
    private readonly rows: Cell[][],
  ) {}

  get columnCount(): number {
    return this.columnNames.length;
  }
  get rowCount(): number {
    return this.rows.length;
  }
  get rowIndex(): number {
    return this.index;
  }
  get isAtFirstRow(): boolean {
    return this.rows.length > 0 && this.index === 0;
  }
  get isAtLastRow(): boolean {
    return this.rows.length > 0 && this.index === this.rows.length - 1;
  }
  get isEnded(): boolean {
    return this.index >= this.rows.length;
  }
  get isStarted(): boolean {
    return this.index !== -1;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  private open(): void {
    if (this.closed) throw businessError(C.ALREADY_CLOSED, 'The result set is already closed.');
  }

  getColumnIndex(columnName: string): number {
    this.open();
    return this.columnNames.indexOf(columnName);
  }

  getColumnName(columnIndex: number): string {
    this.open();
    const name = this.columnNames[columnIndex];
    if (name === undefined) throw businessError(C.COLUMN_OUT_OF_RANGE, 'Column out of bounds.');
    return name;
  }

  goToRow(position: number): boolean {
    this.open();
    if (position < 0 || position >= this.rows.length) {
      this.index = position < 0 ? -1 : this.rows.length;
      return false;
    }
    const row = this.rows[position]!;
    // A device fails to fill its cursor window with such a row; the code it reports is not documented, so the
    // stand-in uses the generic inner error.
    if (row.reduce<number>((n, c) => n + cellBytes(c), 0) > RDB_MAX_ROW_READ_BYTES) {
      throw businessError(C.INNER_ERROR, 'Inner error: the row is larger than the 2 MB cursor window.');
    }
    this.index = position;
    return true;
  }

  goTo(offset: number): boolean {
    return this.goToRow(this.index + offset);
  }
  goToFirstRow(): boolean {
    return this.goToRow(0);
  }
  goToLastRow(): boolean {
    return this.goToRow(this.rows.length - 1);
  }
  goToNextRow(): boolean {
    return this.goToRow(this.index + 1);
  }
  goToPreviousRow(): boolean {
    return this.goToRow(this.index - 1);
  }

  private cell(columnIndex: number): Cell {
    this.open();
    const row = this.rows[this.index];
    if (row === undefined) throw businessError(C.ROW_OUT_OF_RANGE, 'The result set is empty or the specified location is invalid.');
    if (columnIndex < 0 || columnIndex >= row.length) throw businessError(C.COLUMN_OUT_OF_RANGE, 'Column out of bounds.');
    return row[columnIndex]!;
  }

  getBlob(columnIndex: number): Uint8Array {
    const c = this.cell(columnIndex);
    if (c instanceof Uint8Array) return new Uint8Array(c);
    if (c === null) return new Uint8Array(0);
    return new TextEncoder().encode(String(c));
  }

  getString(columnIndex: number): string {
    const c = this.cell(columnIndex);
    if (c === null) return '';
    return c instanceof Uint8Array ? new TextDecoder().decode(c) : String(c);
  }

  getLong(columnIndex: number): number {
    const c = this.cell(columnIndex);
    if (typeof c === 'number') return Math.trunc(c);
    if (typeof c === 'bigint') return Number(c);
    return typeof c === 'string' ? Math.trunc(Number(c)) || 0 : 0;
  }

  getDouble(columnIndex: number): number {
    const c = this.cell(columnIndex);
    if (typeof c === 'number') return c;
    if (typeof c === 'bigint') return Number(c);
    return typeof c === 'string' ? Number(c) || 0 : 0;
  }

  isColumnNull(columnIndex: number): boolean {
    return this.cell(columnIndex) === null;
  }

  close(): void {
    this.closed = true;
  }
}
