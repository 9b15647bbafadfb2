import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

import { quoteIdentifier, quoteLiteral } from '../engine/sql-text.js';
import type { ColumnType, LocalizedText } from '../gold/load-models.js';
import { ApiError } from './api-error.js';
import type { PublishedModel } from './gold-models.js';

export type SortOrder = 'asc' | 'desc';

/** A KPI request after schema validation. queryKpiPage checks its column names against the model. */
export interface KpiRequest {
  /** Dimension name to the accepted values; several values of one dimension match any of them. */
  filters: ReadonlyMap<string, readonly string[]>;
  /** Inclusive first day, `YYYY-MM-DD`. */
  from?: string;
  /** Inclusive last day, `YYYY-MM-DD`. */
  to?: string;
  sort?: string;
  order: SortOrder;
  limit: number;
  cursor?: string;
}

/** A cell value as the API returns it: decimals, 64-bit integers and dates as strings. */
export type KpiValue = string | number | boolean | null;

export interface KpiPage {
  rows: Record<string, KpiValue>[];
  nextCursor: string | null;
}

/** The decoded content of a cursor: the query it belongs to and the last row's key values. */
interface CursorContent {
  model: string;
  sort: string;
  order: SortOrder;
  key: KpiValue[];
}

const DATE_LIKE_TYPE = /^(DATE|TIMESTAMP)/;

/** DuckDB type names as DESCRIBE prints them, such as `DECIMAL(18,4)` or `TIMESTAMP WITH TIME ZONE`. */
const TYPE_NAME = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?$/;

/** Returns the first dimension whose Parquet type is DATE or TIMESTAMP, the one `from`/`to` apply to. */
export function dateDimensionOf(model: PublishedModel): ColumnType | undefined {
  return model.columns.find((column) => model.dimensions.includes(column.name) && DATE_LIKE_TYPE.test(column.type));
}

/**
 * Runs one page of the KPI query. Rows are ordered by the sort column, then by the grain
 * columns, all in `order` with NULL last, so the order is total and the cursor (the key values
 * of the page's last row) continues exactly after that row.
 */
export async function queryKpiPage(connection: DuckDBConnection, model: PublishedModel, request: KpiRequest): Promise<KpiPage> {
  const types = new Map(model.columns.map((column) => [column.name, column.type]));
  const sort = request.sort ?? model.grain[0] ?? model.dimensions[0] ?? (model.columns[0]?.name as string);
  checkSortColumn(model, sort);
  const keyColumns = [sort, ...(model.grain.length > 0 ? model.grain : model.dimensions).filter((name) => name !== sort)];

  const parameters: DuckDBValue[] = [];
  const bind = (value: string | number): string => {
    parameters.push(value);
    return `$${parameters.length}`;
  };
  const conditions: string[] = [];

  for (const [dimension, values] of request.filters) {
    if (!model.dimensions.includes(dimension)) {
      throw unknownDimension(model, dimension);
    }
    // A cast to VARCHAR cannot fail, so a value of the wrong type matches no row instead of raising a conversion error.
    conditions.push(`CAST(${quoteIdentifier(dimension)} AS VARCHAR) IN (${values.map((value) => bind(value)).join(', ')})`);
  }

  if (request.from !== undefined || request.to !== undefined) {
    const dateColumn = dateDimensionOf(model);
    if (dateColumn === undefined) {
      throw invalidParameter(request.from !== undefined ? 'from' : 'to', {
        de: `Das Modell ${model.name} hat keine Dimension vom Typ DATE oder TIMESTAMP, auf die sich ein Zeitraum anwenden ließe.`,
        en: `Model ${model.name} has no dimension of type DATE or TIMESTAMP that a date range could apply to.`,
      });
    }
    if (request.from !== undefined && request.to !== undefined && request.from > request.to) {
      throw invalidParameter('to', { de: `${request.to} liegt vor from (${request.from}).`, en: `${request.to} is before from (${request.from}).` });
    }
    const column = quoteIdentifier(dateColumn.name);
    if (request.from !== undefined) {
      conditions.push(`${column} >= CAST(${bind(request.from)} AS DATE)`);
    }
    if (request.to !== undefined) {
      conditions.push(`${column} < CAST(${bind(request.to)} AS DATE) + INTERVAL 1 DAY`);
    }
  }

  if (request.cursor !== undefined) {
    const cursor = decodeCursor(request.cursor, model.name, sort, request.order, keyColumns.length);
    const keyTypes = keyColumns.map((name) => checkedTypeName(types.get(name) as string));
    await checkCursorValues(connection, cursor.key, keyTypes);
    const keyValues = cursor.key.map((value, index) => (value === null ? null : `CAST(${bind(String(value))} AS ${keyTypes[index]})`));
    conditions.push(afterKeyCondition(keyColumns, keyValues, request.order));
  }

  const direction = request.order === 'desc' ? 'DESC' : 'ASC';
  const sql = [
    `SELECT ${model.columns.map((column) => quoteIdentifier(column.name)).join(', ')}`,
    `FROM read_parquet(${quoteLiteral(model.file)})`,
    conditions.length > 0 ? `WHERE ${conditions.join('\n  AND ')}` : '',
    `ORDER BY ${keyColumns.map((name) => `${quoteIdentifier(name)} ${direction} NULLS LAST`).join(', ')}`,
    // One row more than requested shows whether another page follows.
    `LIMIT ${bind(request.limit + 1)}`,
  ].join('\n');

  const reader = await connection.runAndReadAll(sql, parameters);
  const rows = reader.getRowObjectsJson().map((row) => toApiRow(row, model.columns));
  const hasMore = rows.length > request.limit;
  const page = hasMore ? rows.slice(0, request.limit) : rows;
  const last = page[page.length - 1];
  const nextCursor =
    hasMore && last !== undefined ? encodeCursor({ model: model.name, sort, order: request.order, key: keyColumns.map((name) => last[name] ?? null) }) : null;
  return { rows: page, nextCursor };
}

/** Raises INVALID_PARAMETER for `sort` unless it names a declared dimension or measure. */
export function checkSortColumn(model: PublishedModel, sort: string): void {
  if (!model.columns.some((column) => column.name === sort)) {
    throw invalidParameter('sort', {
      de: `${JSON.stringify(sort)} ist keine Dimension oder Kennzahl des Modells ${model.name}. Erlaubt: ${model.columns.map((column) => column.name).join(', ')}.`,
      en: `${JSON.stringify(sort)} is not a dimension or measure of model ${model.name}. Allowed: ${model.columns.map((column) => column.name).join(', ')}.`,
    });
  }
}

function unknownDimension(model: PublishedModel, dimension: string): ApiError<'INVALID_PARAMETER'> {
  return invalidParameter(`dim.${dimension}`, {
    de: `${JSON.stringify(dimension)} ist keine Dimension des Modells ${model.name}. Erlaubt: ${model.dimensions.join(', ')}.`,
    en: `${JSON.stringify(dimension)} is not a dimension of model ${model.name}. Allowed: ${model.dimensions.join(', ')}.`,
  });
}

function invalidParameter(field: string, reason: LocalizedText): ApiError<'INVALID_PARAMETER'> {
  return new ApiError('INVALID_PARAMETER', { field, reason });
}

/**
 * Builds "row comes after the key" for a lexicographic order with NULL last: column 1 is past
 * its key value, or equal and the rest comes after. A NULL key value is only equalled by NULL.
 */
function afterKeyCondition(columns: readonly string[], values: readonly (string | null)[], order: SortOrder): string {
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

/** Converts DuckDB's JSON form into API values. TIMESTAMP text gets the ISO 8601 `T` separator. */
function toApiRow(row: Record<string, unknown>, columns: readonly ColumnType[]): Record<string, KpiValue> {
  const result: Record<string, KpiValue> = {};
  for (const column of columns) {
    const value = row[column.name];
    if (typeof value === 'string' && column.type.startsWith('TIMESTAMP')) {
      result[column.name] = value.replace(' ', 'T');
    } else if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
      result[column.name] = value ?? null;
    } else {
      result[column.name] = JSON.stringify(value);
    }
  }
  return result;
}

function checkedTypeName(type: string): string {
  if (!TYPE_NAME.test(type)) {
    throw new Error(`unexpected column type ${JSON.stringify(type)} in a gold Parquet file`);
  }
  return type;
}

function encodeCursor(content: CursorContent): string {
  return Buffer.from(JSON.stringify({ m: content.model, s: content.sort, o: content.order, k: content.key }), 'utf8').toString('base64url');
}

const INVALID_CURSOR: LocalizedText = {
  de: 'der Cursor ist beschädigt oder gehört zu einer anderen Abfrage. Den nextCursor der vorigen Seite unverändert übergeben, mit demselben Modell, sort und order.',
  en: 'the cursor is damaged or belongs to another query. Pass the previous page’s nextCursor unchanged, with the same model, sort and order.',
};

function decodeCursor(text: string, model: string, sort: string, order: SortOrder, keyLength: number): CursorContent {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidParameter('cursor', INVALID_CURSOR);
  }

  const candidate = decoded as { m?: unknown; s?: unknown; o?: unknown; k?: unknown };
  const isKeyValue = (value: unknown): value is KpiValue => value === null || ['string', 'number', 'boolean'].includes(typeof value);
  if (
    typeof decoded !== 'object' ||
    decoded === null ||
    candidate.m !== model ||
    candidate.s !== sort ||
    candidate.o !== order ||
    !Array.isArray(candidate.k) ||
    candidate.k.length !== keyLength ||
    !candidate.k.every(isKeyValue)
  ) {
    throw invalidParameter('cursor', INVALID_CURSOR);
  }
  return { model, sort, order, key: candidate.k };
}

/**
 * Checks that each key value converts to its column type and back to the same text, as the
 * values of nextCursor do. DuckDB's casts accept some trailing text (`2017-01-01'; --` is a
 * DATE), so the round trip rejects edited values that TRY_CAST alone lets through.
 */
async function checkCursorValues(connection: DuckDBConnection, key: readonly KpiValue[], types: readonly string[]): Promise<void> {
  const parameters: DuckDBValue[] = [];
  const checks: string[] = [];
  key.forEach((value, index) => {
    if (value !== null) {
      parameters.push(String(value));
      const parameter = `$${parameters.length}`;
      const text = `CAST(TRY_CAST(${parameter} AS ${types[index]}) AS VARCHAR)`;
      // toApiRow writes TIMESTAMP text with `T`, but DuckDB's VARCHAR form has a space.
      checks.push(types[index]?.startsWith('TIMESTAMP') ? `replace(${text}, ' ', 'T') = ${parameter}` : `${text} = ${parameter}`);
    }
  });
  if (checks.length === 0) {
    return;
  }

  const reader = await connection.runAndReadAll(`SELECT ${checks.join(' AND ')} AS valid`, parameters);
  // A NULL result (failed cast) is as invalid as FALSE.
  if (reader.getRows()[0]?.[0] !== true) {
    throw invalidParameter('cursor', INVALID_CURSOR);
  }
}
