import { Transform, type TransformCallback } from 'node:stream';

import type { ColumnDescription, LogicalType } from './types.js';

/**
 * Writers for Aurora's canonical CSV dialect (see `CsvPartitionData`). Sources that read rows
 * through a Node driver (MySQL, SQLite) encode them here; PostgreSQL's COPY already writes
 * the same dialect.
 *
 * The encoder formats values but does not validate them. A string is written as the driver
 * returned it, so a malformed value (a MySQL zero date, text in an SQLite INTEGER column)
 * reaches the bronze writer, which rejects it with the row's key.
 *
 * DuckDB's read_csv reads a quoted `""` as NULL unless `allow_quoted_nulls=false` is set
 * (checked with @duckdb/node-api 1.5.6), so readers of this dialect must set it.
 */

const NEEDS_QUOTES = /[",\r\n]|^[ \t]|[ \t]$/;

/** Quotes a text field when a CSV reader would otherwise misread it. The empty string becomes `""`. */
export function quoteCsvText(text: string): string {
  if (text.length === 0) {
    return '""';
  }
  if (!NEEDS_QUOTES.test(text)) {
    return text;
  }
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * Encodes one value for a column of `type` and returns the field, quoted where needed. NULL
 * and undefined become the unquoted empty field.
 *
 * @throws TypeError for values the dialect cannot carry (binary data, a non-integer number in
 *   an integer column). A boolean column holding a number other than 0 or 1 is written as
 *   that number, which the bronze writer then rejects with the row's key.
 */
export function encodeCsvField(value: unknown, type: LogicalType): string {
  if (value === null || value === undefined) {
    return '';
  }

  if (typeof value === 'string') {
    return quoteCsvText(type.kind === 'timestamptz' ? addUtcOffset(value) : value);
  }
  if (typeof value === 'bigint') {
    return type.kind === 'boolean' ? encodeBooleanNumber(Number(value), value) : value.toString();
  }
  if (typeof value === 'number') {
    return encodeNumber(value, type);
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (value instanceof Date) {
    return encodeDate(value, type);
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    throw new TypeError(`binary values cannot be written to CSV (column type ${type.kind})`);
  }
  if (type.kind === 'json' && typeof value === 'object') {
    return quoteCsvText(JSON.stringify(value));
  }
  throw new TypeError(`cannot write a value of JS type ${typeof value} to a ${type.kind} column`);
}

/** Encodes one row, fields in `columns` order, terminated by LF. */
export function encodeCsvRow(values: readonly unknown[], columns: readonly ColumnDescription[]): string {
  if (values.length !== columns.length) {
    throw new TypeError(`row has ${values.length} values but the table has ${columns.length} columns`);
  }

  const fields = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    try {
      fields[i] = encodeCsvField(values[i], column.type);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TypeError(`column ${column.name}: ${reason}`, { cause: error });
    }
  }
  return `${fields.join(',')}\n`;
}

/** Number of encoded rows gathered into one chunk, so that the stream moves kilobytes, not lines. */
const ROWS_PER_CHUNK = 256;

/**
 * Creates a Transform that takes rows as arrays (object mode) and emits canonical CSV text.
 * Backpressure passes through: the writable side buffers at most `highWaterMark` rows.
 */
export function createCsvEncoder(columns: readonly ColumnDescription[], highWaterMark = 1024): Transform {
  let pending: string[] = [];

  return new Transform({
    writableObjectMode: true,
    writableHighWaterMark: highWaterMark,
    transform(row: unknown, _encoding: BufferEncoding, callback: TransformCallback) {
      if (!Array.isArray(row)) {
        callback(new TypeError('the CSV encoder expects each row as an array of values'));
        return;
      }
      try {
        pending.push(encodeCsvRow(row, columns));
      } catch (error) {
        callback(error as Error);
        return;
      }
      if (pending.length >= ROWS_PER_CHUNK) {
        const chunk = pending.join('');
        pending = [];
        callback(null, chunk);
        return;
      }
      callback();
    },
    flush(callback: TransformCallback) {
      const chunk = pending.join('');
      pending = [];
      callback(null, chunk.length > 0 ? chunk : undefined);
    },
  });
}

function encodeNumber(value: number, type: LogicalType): string {
  switch (type.kind) {
    case 'boolean':
      return encodeBooleanNumber(value, value);
    case 'smallint':
    case 'integer':
    case 'bigint':
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`${value} is not an exact integer: the driver must return 64-bit values as bigint or text`);
      }
      return String(value);
    case 'decimal':
      // A JS number has already lost every digit beyond 15-17 significant ones. The sources
      // therefore request decimal text from their drivers, and this path writes what is left.
      return encodeFiniteNumber(value);
    default:
      // Shortest text that parses back to the same double (ECMAScript Number::toString).
      return String(value);
  }
}

function encodeFiniteNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new TypeError(`${value} does not fit a decimal column`);
  }
  return String(value);
}

function encodeBooleanNumber(value: number, original: unknown): string {
  if (value === 0) {
    return 'false';
  }
  if (value === 1) {
    return 'true';
  }
  // Any other number is passed on as text, so the bronze writer rejects it with the row's key.
  return String(original);
}

/**
 * Timestamps with zone arrive from the drivers as text in the session zone, which the sources
 * set to UTC. Text without an offset gets `Z` so that the instant is not read as local time.
 */
function addUtcOffset(text: string): string {
  if (/(?:Z|[+-]\d{2}(?::?\d{2})?)$/.test(text) || !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(text)) {
    return text;
  }
  return `${text}Z`;
}

/** Formats a JS Date by its UTC fields, the only reading of a Date that does not depend on the host zone. */
function encodeDate(value: Date, type: LogicalType): string {
  if (Number.isNaN(value.getTime())) {
    throw new TypeError('invalid Date');
  }

  const iso = value.toISOString();
  switch (type.kind) {
    case 'date':
      return iso.slice(0, 10);
    case 'timestamp':
      return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    case 'timestamptz':
      return iso;
    default:
      throw new TypeError(`cannot write a Date to a ${type.kind} column`);
  }
}
