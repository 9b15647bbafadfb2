import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

import { quoteIdentifier } from '../engine/sql-text.js';
import type { ColumnType, LocalizedText } from '../gold/load-models.js';
import { ApiError } from './api-error.js';

/**
 * Building blocks that the paged endpoints (KPIs, orders, quarantine) and the exports share:
 * bound parameters, keyset conditions, cursor checks and the conversion of DuckDB values into
 * API values.
 */

export type SortOrder = 'asc' | 'desc';

/** A cell value as the API returns it: decimals, 64-bit integers and dates as strings. */
export type ApiValue = string | number | boolean | null;

export type ApiRow = Record<string, ApiValue>;

/** DuckDB type names as DESCRIBE prints them, such as `DECIMAL(18,4)` or `TIMESTAMP WITH TIME ZONE`. */
const TYPE_NAME = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?$/;

/** Positional parameters of one statement; `bind` returns the placeholder of the value. */
export class BoundParameters {
  readonly values: DuckDBValue[] = [];

  bind(value: string | number): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function invalidParameter(field: string, reason: LocalizedText): ApiError<'INVALID_PARAMETER'> {
  return new ApiError('INVALID_PARAMETER', { field, reason });
}

/**
 * Builds "row comes after the key" for a lexicographic order with NULL last: column 1 is past
 * its key value, or equal and the rest comes after. A NULL key value is only equalled by NULL.
 * `values` are SQL expressions (typically casts of bound parameters) or null.
 */
export function afterKeyCondition(columns: readonly string[], values: readonly (string | null)[], order: SortOrder): string {
  const comparison = order === 'desc' ? '<' : '>';
  let condition = 'FALSE';
  for (let index = columns.length - 1; index >= 0; index -= 1) {
    const column = quoteIdentifier(columns[index] as string);
    const value = values[index] ?? null;
    const after = value === null ? 'FALSE' : `(${column} ${comparison} ${value} OR ${column} IS NULL)`;
    const equal = value === null ? `${column} IS NULL` : `${column} = ${value}`;
    condition = `(${after} OR (${equal} AND ${condition}))`;
  }
  return condition;
}

/** Returns `ORDER BY` terms for the key columns, all in `order` with NULL last, as afterKeyCondition expects. */
export function keyOrderBy(columns: readonly string[], order: SortOrder): string {
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  return columns.map((name) => `${quoteIdentifier(name)} ${direction} NULLS LAST`).join(', ');
}

/** Converts DuckDB's JSON form into API values. TIMESTAMP text gets the ISO 8601 `T` separator. */
export function toApiRow(row: Record<string, unknown>, columns: readonly ColumnType[]): ApiRow {
  const result: ApiRow = {};
  for (const column of columns) {
    result[column.name] = toApiValue(row[column.name], column.type);
  }
  return result;
}

export function toApiValue(value: unknown, type: string): ApiValue {
  if (typeof value === 'string' && type.startsWith('TIMESTAMP')) {
    return value.replace(' ', 'T');
  }
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    return value ?? null;
  }
  return JSON.stringify(value);
}

/** Returns `type` when it looks like a DuckDB type name, so it can be written into a CAST. */
export function checkedTypeName(type: string): string {
  if (!TYPE_NAME.test(type)) {
    throw new Error(`unexpected column type ${JSON.stringify(type)} in a Parquet file of the lake`);
  }
  return type;
}

/** Casts of the cursor's key values to their column types, as afterKeyCondition expects them. */
export function keyValueExpressions(key: readonly ApiValue[], types: readonly string[], parameters: BoundParameters): (string | null)[] {
  return key.map((value, index) => (value === null ? null : `CAST(${parameters.bind(String(value))} AS ${types[index]})`));
}

/** Returns true for values that a cursor's key list may contain. */
export function isKeyValue(value: unknown): value is ApiValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * Checks that each key value converts to its column type and back to the same text, as the
 * values of nextCursor do. DuckDB's casts accept some trailing text (`2017-01-01'; --` is a
 * DATE), so the round trip rejects edited values that TRY_CAST alone lets through.
 */
export async function cursorValuesRoundTrip(connection: DuckDBConnection, key: readonly ApiValue[], types: readonly string[]): Promise<boolean> {
  const parameters = new BoundParameters();
  const checks: string[] = [];
  key.forEach((value, index) => {
    if (value !== null) {
      const parameter = parameters.bind(String(value));
      const text = `CAST(TRY_CAST(${parameter} AS ${types[index]}) AS VARCHAR)`;
      // toApiValue writes TIMESTAMP text with `T`, but DuckDB's VARCHAR form has a space.
      checks.push(types[index]?.startsWith('TIMESTAMP') ? `replace(${text}, ' ', 'T') = ${parameter}` : `${text} = ${parameter}`);
    }
  });
  if (checks.length === 0) {
    return true;
  }

  const reader = await connection.runAndReadAll(`SELECT ${checks.join(' AND ')} AS valid`, parameters.values);
  // A NULL result (failed cast) is as invalid as FALSE.
  return reader.getRows()[0]?.[0] === true;
}

/** Encodes a cursor's content as base64url JSON. */
export function encodeCursorJson(content: unknown): string {
  return Buffer.from(JSON.stringify(content), 'utf8').toString('base64url');
}

/** Decodes base64url JSON, or returns undefined when the text is no such encoding of an object. */
export function decodeCursorJson(text: string): Record<string, unknown> | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded) ? (decoded as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A filtered, totally ordered set of rows: the columns to return, the FROM clause, the WHERE
 * conditions with their bound parameters and the key columns that order it.
 */
export interface RowSelection {
  columns: ColumnType[];
  /** FROM clause text, built only from quoted identifiers and literals the server controls. */
  from: string;
  conditions: string[];
  parameters: BoundParameters;
  /** The sort column first, then the tie-breaking key columns; together unique per row. */
  keyColumns: string[];
  order: SortOrder;
}

/**
 * Builds the SELECT of a selection, with optional extra conditions (a cursor) and LIMIT.
 * `select` replaces the column list, for example with one expression per row.
 */
export function selectionSql(
  selection: RowSelection,
  options: { extraConditions?: readonly string[]; limitPlaceholder?: string; select?: string } = {},
): string {
  const conditions = [...selection.conditions, ...(options.extraConditions ?? [])];
  return [
    `SELECT ${options.select ?? selection.columns.map((column) => quoteIdentifier(column.name)).join(', ')}`,
    `FROM ${selection.from}`,
    conditions.length > 0 ? `WHERE ${conditions.join('\n  AND ')}` : '',
    `ORDER BY ${keyOrderBy(selection.keyColumns, selection.order)}`,
    options.limitPlaceholder === undefined ? '' : `LIMIT ${options.limitPlaceholder}`,
  ].join('\n');
}

/** Counts the rows of a selection. */
export async function countSelection(connection: DuckDBConnection, selection: RowSelection): Promise<number> {
  const where = selection.conditions.length > 0 ? `WHERE ${selection.conditions.join('\n  AND ')}` : '';
  const reader = await connection.runAndReadAll(`SELECT CAST(count(*) AS VARCHAR) FROM ${selection.from} ${where}`, selection.parameters.values);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/** One page of a selection and the key values of its last row when another page follows. */
export interface SelectionPage {
  rows: ApiRow[];
  /** Key values of the page's last row, or undefined on the last page. */
  nextKey: ApiValue[] | undefined;
}

/**
 * Reads one page after `afterKey` (the key values of the previous page's last row). The key
 * values must have passed cursorValuesRoundTrip.
 */
export async function readSelectionPage(
  connection: DuckDBConnection,
  selection: RowSelection,
  limit: number,
  afterKey: readonly ApiValue[] | undefined,
): Promise<SelectionPage> {
  const types = new Map(selection.columns.map((column) => [column.name, column.type]));
  const extraConditions: string[] = [];
  if (afterKey !== undefined) {
    const keyTypes = selection.keyColumns.map((name) => checkedTypeName(types.get(name) as string));
    extraConditions.push(afterKeyCondition(selection.keyColumns, keyValueExpressions(afterKey, keyTypes, selection.parameters), selection.order));
  }

  // One row more than requested shows whether another page follows.
  const sql = selectionSql(selection, { extraConditions, limitPlaceholder: selection.parameters.bind(limit + 1) });
  const reader = await connection.runAndReadAll(sql, selection.parameters.values);
  const rows = reader.getRowObjectsJson().map((row) => toApiRow(row, selection.columns));

  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const nextKey = hasMore && last !== undefined ? selection.keyColumns.map((name) => last[name] ?? null) : undefined;
  return { rows: page, nextKey };
}

/** Returns the DuckDB types of the key columns, checked for use in a CAST. */
export function keyTypesOf(selection: RowSelection): string[] {
  const types = new Map(selection.columns.map((column) => [column.name, column.type]));
  return selection.keyColumns.map((name) => checkedTypeName(types.get(name) as string));
}
